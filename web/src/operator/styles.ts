import { css } from 'lit';

// Adopted as a constructable stylesheet by Lit: no <style> element, so `style-src 'self'` is enough.
export const operatorStyles = css`
  :host {
    display: block;
    font-size: 15px;
    line-height: 1.45;
    color: #1c2430;
    --accent: #0b6e4f;
    --accent-soft: #e5f3ee;
    --muted: #5b6470;
    --border: #d9dee4;
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
  select,
  textarea {
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
  button.danger {
    background: #fff;
    color: #8d2b0b;
    border-color: #c2410c;
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  input,
  select,
  textarea {
    border: 1px solid #bcccdc;
    border-radius: 8px;
    padding: 7px 8px;
    color: #1c2430;
    background: #fff;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .top {
    background: #fff;
    border-bottom: 1px solid var(--border);
    padding: 6px 16px;
    display: flex;
    align-items: center;
    gap: 12px;
    flex-wrap: wrap;
    min-height: 44px;
  }
  .top h1 {
    font-size: 16px;
    margin: 0;
    flex: 1;
  }
  .top button.presence {
    background: #fff;
    color: #1c2430;
    border-color: var(--border);
    font-size: 14px;
  }
  .top button.presence::before {
    content: '';
    display: inline-block;
    width: 9px;
    height: 9px;
    border-radius: 50%;
    margin-right: 6px;
    background: #9fb3c8;
  }
  .top button.presence.online::before {
    background: #3ebd93;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 3px;
    font-size: 13px;
    color: #486581;
  }
  .error {
    color: #b42318;
    margin: 0;
  }
  .muted {
    color: var(--muted);
    font-size: 13px;
    margin: 0;
  }
  .layout {
    display: grid;
    grid-template-columns: minmax(260px, 330px) minmax(0, 1fr) minmax(220px, 280px);
    height: calc(100vh - 96px);
  }
  .lists {
    border-right: 1px solid var(--border);
    background: #fff;
    display: flex;
    flex-direction: column;
    min-height: 0;
  }
  [role='tablist'] {
    display: flex;
    border-bottom: 1px solid var(--border);
  }
  [role='tab'] {
    flex: 1;
    background: none;
    color: var(--muted);
    border: none;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    padding: 10px 4px;
    font-size: 14px;
  }
  [role='tab'][aria-selected='true'] {
    color: var(--accent);
    border-bottom-color: var(--accent);
    font-weight: 600;
  }
  .count {
    display: inline-block;
    min-width: 20px;
    border-radius: 999px;
    background: #f0f4f8;
    font-size: 12px;
    margin-left: 4px;
    padding: 0 6px;
  }
  [role='tab'][aria-selected='true'] .count {
    background: var(--accent-soft);
  }
  ul.items {
    list-style: none;
    margin: 0;
    padding: 0;
    overflow-y: auto;
    flex: 1;
  }
  ul.items li {
    border-bottom: 1px solid #eef1f4;
  }
  ul.items button.item {
    width: 100%;
    text-align: left;
    background: #fff;
    color: inherit;
    border: none;
    border-left: 4px solid transparent;
    border-radius: 0;
    padding: 10px 12px;
    display: flex;
    flex-direction: column;
    gap: 2px;
  }
  ul.items button.item[aria-current='true'] {
    background: #f0f7f4;
    border-left-color: var(--accent);
  }
  .item .line {
    display: flex;
    justify-content: space-between;
    gap: 8px;
    align-items: baseline;
  }
  .item strong {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .item .wait {
    font-size: 12px;
    color: #8d2b0b;
    white-space: nowrap;
  }
  .item .preview {
    color: var(--muted);
    font-size: 13px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .tags {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .tag {
    font-size: 12px;
    border-radius: 999px;
    background: #f0f4f8;
    padding: 0 8px;
  }
  .tag.negative {
    background: #fdecea;
    color: #b42318;
  }
  .tag.positive {
    background: #e3f9e5;
    color: #0e5c2f;
  }
  .empty {
    padding: 16px;
    color: var(--muted);
  }
  .ticket {
    padding: 10px 12px;
    font-size: 14px;
  }
  .ticket strong,
  .ticket .when {
    display: block;
    overflow-wrap: anywhere;
  }
  .ticket p {
    margin: 4px 0 0;
    white-space: pre-wrap;
  }
  .conversation {
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: #f8fafb;
  }
  .conversation > header {
    padding: 10px 14px;
    background: #fff;
    border-bottom: 1px solid var(--border);
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  .conversation > header h2 {
    font-size: 16px;
    margin: 0;
    flex: 1;
    min-width: 160px;
  }
  .conversation .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
  }
  .conversation.none {
    grid-column: 2 / -1;
  }
  .back {
    display: none;
  }
  .scroll {
    flex: 1;
    overflow-y: auto;
    padding: 12px 14px;
    min-height: 0;
  }
  details.bot {
    background: #fff;
    border: 1px solid var(--border);
    border-radius: 10px;
    padding: 8px 12px;
    margin-bottom: 12px;
  }
  details.bot summary {
    cursor: pointer;
    color: var(--muted);
    font-size: 14px;
  }
  ol.lines {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  ol.lines li {
    max-width: 80%;
  }
  ol.lines .from {
    font-size: 12px;
    color: var(--muted);
  }
  ol.lines .text {
    padding: 7px 11px;
    border-radius: 12px;
    background: #eef1f4;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  ol.lines li.operator {
    align-self: flex-end;
    text-align: right;
  }
  ol.lines li.operator .text {
    background: var(--accent);
    color: #fff;
    text-align: left;
  }
  ol.lines li.agent .text {
    background: #e8eefc;
  }
  ol.lines li.note {
    align-self: center;
    max-width: 90%;
  }
  ol.lines li.note .text {
    background: #fff8e6;
    border: 1px dashed #f0b429;
  }
  ol.lines li.state {
    align-self: center;
    max-width: 100%;
    font-size: 13px;
    color: var(--muted);
  }
  .typing {
    font-size: 13px;
    color: var(--muted);
    min-height: 20px;
    padding: 0 14px;
  }
  form.reply {
    background: #fff;
    border-top: 1px solid var(--border);
    padding: 10px 14px;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  form.reply.internal textarea {
    background: #fff8e6;
  }
  form.reply textarea {
    width: 100%;
    min-height: 64px;
    resize: vertical;
  }
  form.reply .row {
    display: flex;
    gap: 10px;
    align-items: center;
    justify-content: space-between;
    flex-wrap: wrap;
  }
  label.check {
    flex-direction: row;
    align-items: center;
    gap: 6px;
    color: inherit;
    font-size: 14px;
  }
  .canned {
    position: relative;
  }
  .canned ul {
    list-style: none;
    margin: 6px 0 0;
    padding: 0;
    max-height: 160px;
    overflow-y: auto;
    border: 1px solid var(--border);
    border-radius: 8px;
  }
  .canned li button {
    width: 100%;
    text-align: left;
    background: #fff;
    color: inherit;
    border: none;
    border-bottom: 1px solid #eef1f4;
    border-radius: 0;
    font-size: 14px;
  }
  .canned li button span {
    display: block;
    color: var(--muted);
    font-size: 12px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  aside.context {
    border-left: 1px solid var(--border);
    background: #fff;
    padding: 12px 14px;
    overflow-y: auto;
    font-size: 14px;
  }
  aside.context h2,
  aside.context h3 {
    font-size: 15px;
    margin: 0 0 8px;
  }
  aside.context h3 {
    margin-top: 14px;
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 2px 10px;
    margin: 0;
  }
  dt {
    color: var(--muted);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .order {
    border: 1px solid var(--border);
    border-radius: 8px;
    padding: 6px 8px;
    margin-bottom: 6px;
  }
  .banner {
    margin: 8px 14px 0;
    padding: 8px 10px;
    border-radius: 8px;
    background: #fdecea;
    color: #b42318;
  }
  .placeholder {
    margin: auto;
    color: var(--muted);
    padding: 24px;
    text-align: center;
  }
  @media (max-width: 900px) {
    .layout {
      grid-template-columns: minmax(0, 1fr);
      height: auto;
      min-height: calc(100vh - 96px);
    }
    .layout.open .lists,
    .layout:not(.open) .conversation,
    .layout:not(.open) aside.context {
      display: none;
    }
    .back {
      display: inline-block;
    }
    .conversation {
      min-height: 70vh;
    }
    .scroll {
      max-height: 60vh;
    }
    aside.context {
      border-left: none;
      border-top: 1px solid var(--border);
    }
    ol.lines li {
      max-width: 92%;
    }
  }
`;
