import { css, unsafeCSS } from 'lit';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';

// Adopted as constructable stylesheets by Lit: no <style> element, so `style-src 'self'` is enough. uPlot's own
// sheet is adopted the same way, inside the shadow root its charts live in.

/** uPlot's stylesheet. */
export const chartLibraryStyles = unsafeCSS(uPlotCss);

/** Colours, controls and cards shared by the dashboard's elements. */
export const baseStyles = css`
  :host {
    display: block;
    font-size: 15px;
    line-height: 1.45;
    color: #1c2430;
    --accent: #0b6e4f;
    --accent-soft: #e5f3ee;
    --muted: #52606d;
    --border: #d9dee4;
    --warn: #b36b00;
    --bad: #b42318;
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid #f4b400;
    outline-offset: 2px;
  }
  button,
  input,
  select {
    font: inherit;
  }
  button {
    background: var(--accent);
    color: #fff;
    border: 1px solid var(--accent);
    border-radius: 8px;
    padding: 6px 12px;
    cursor: pointer;
  }
  button.secondary {
    background: #fff;
    color: var(--accent);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  input,
  select {
    border: 1px solid #bcccdc;
    border-radius: 8px;
    padding: 6px 8px;
    color: #1c2430;
    background: #fff;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 13px;
    color: var(--muted);
  }
  h2 {
    font-size: 16px;
    margin: 0 0 8px;
  }
  h3 {
    font-size: 14px;
    margin: 0 0 6px;
    color: var(--muted);
    font-weight: 600;
  }
  .card {
    background: #fff;
    border: 1px solid var(--border);
    border-radius: 12px;
    padding: 14px 16px;
    min-width: 0;
  }
  .muted {
    color: var(--muted);
    font-size: 13px;
    margin: 0;
  }
  .error {
    color: var(--bad);
  }
  meter {
    width: 100%;
    height: 10px;
  }
  .bars {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 8px;
  }
  .bars li {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    column-gap: 8px;
    font-size: 14px;
  }
  .bars li meter {
    grid-column: 1 / -1;
  }
  .bars .name {
    overflow-wrap: anywhere;
  }
  .bars .count {
    font-variant-numeric: tabular-nums;
    font-weight: 600;
  }
`;

/** The dashboard's own layout: the bar, the tiles, the charts, the lists; one column on a phone. */
export const dashboardStyles = css`
  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 10px 16px;
    margin-bottom: 14px;
  }
  .bar h1 {
    font-size: 20px;
    margin: 0;
    flex: 1 1 200px;
  }
  .presets {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    border: 0;
    padding: 0;
    margin: 0;
  }
  .presets legend {
    font-size: 13px;
    color: var(--muted);
    padding: 0;
    margin-bottom: 2px;
  }
  .presets button {
    background: #fff;
    color: #1c2430;
    border-color: var(--border);
  }
  .presets button[aria-pressed='true'] {
    background: var(--accent);
    color: #fff;
    border-color: var(--accent);
  }
  .custom {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 8px;
  }
  .status {
    flex-basis: 100%;
    margin: 0;
    min-height: 1.2em;
  }
  .tiles {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 250px), 1fr));
    gap: 12px;
    margin-bottom: 14px;
  }
  .big {
    font-size: 28px;
    font-weight: 700;
    font-variant-numeric: tabular-nums;
    margin: 0;
    line-height: 1.2;
  }
  .pair {
    display: grid;
    /* The label wraps; the figure keeps its width (a long label used to push it past the card's edge). */
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 2px 10px;
    margin: 4px 0 0;
    font-size: 14px;
  }
  .pair dt {
    color: var(--muted);
  }
  .pair dd {
    margin: 0;
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
    font-weight: 600;
    text-align: right;
  }
  details {
    margin-top: 6px;
    font-size: 13px;
  }
  summary {
    cursor: pointer;
    color: var(--accent);
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr));
    gap: 12px;
    margin-bottom: 14px;
  }
  figure.card {
    margin: 0;
  }
  .chart {
    width: 100%;
    min-height: 220px;
    overflow: hidden;
  }
  .chart .u-legend {
    font-size: 13px;
  }
  .questions {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .questions li {
    border-top: 1px solid var(--border);
    padding: 10px 0;
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 4px 12px;
    align-items: start;
  }
  .questions .q {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .questions .count {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .questions details,
  .questions button,
  .questions .draft {
    grid-column: 1 / -1;
    justify-self: start;
  }
  .draft {
    width: 100%;
    font-family: ui-monospace, monospace;
    font-size: 12px;
    min-height: 120px;
  }
  @media (max-width: 600px) {
    .big {
      font-size: 24px;
    }
    .card {
      padding: 12px;
    }
  }
`;

/** The conversations' list and transcript: a table on a desktop, stacked cards on a phone. */
export const listStyles = css`
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 12px;
    margin-bottom: 10px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 14px;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--border);
    vertical-align: top;
  }
  th {
    color: var(--muted);
    font-weight: 600;
    font-size: 13px;
  }
  td.num {
    font-variant-numeric: tabular-nums;
  }
  tr.selected td {
    background: var(--accent-soft);
  }
  .tag {
    display: inline-block;
    border-radius: 999px;
    padding: 0 8px;
    font-size: 12px;
    border: 1px solid var(--border);
    margin: 1px 2px 1px 0;
    white-space: nowrap;
  }
  .tag.bad {
    border-color: var(--bad);
    color: var(--bad);
  }
  .tag.warn {
    border-color: var(--warn);
    color: #7a4a00;
  }
  .more {
    margin-top: 10px;
  }
  .transcript {
    margin-top: 14px;
    border-top: 2px solid var(--accent);
    padding-top: 10px;
  }
  .transcript header {
    display: flex;
    justify-content: space-between;
    align-items: center;
    gap: 8px;
    flex-wrap: wrap;
  }
  .transcript ol {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 8px;
  }
  .transcript li {
    border: 1px solid var(--border);
    border-radius: 10px;
    padding: 8px 10px;
    max-width: 720px;
  }
  .transcript li.shopper {
    background: #f0f4f8;
    justify-self: end;
  }
  .transcript li.operator {
    background: var(--accent-soft);
  }
  .transcript .meta {
    font-size: 12px;
    color: var(--muted);
  }
  .transcript .text {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    margin: 2px 0;
  }
  @media (max-width: 700px) {
    thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    table,
    tbody,
    tr,
    td {
      display: block;
      width: 100%;
    }
    tr {
      border: 1px solid var(--border);
      border-radius: 10px;
      margin-bottom: 8px;
      padding: 4px 0;
    }
    td {
      border: 0;
      display: grid;
      grid-template-columns: 40% minmax(0, 1fr);
      gap: 8px;
      padding: 3px 10px;
    }
    td::before {
      content: attr(data-label);
      color: var(--muted);
      font-size: 13px;
    }
  }
`;
