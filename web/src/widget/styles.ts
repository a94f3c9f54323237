import { css } from 'lit';

// Adopted as a constructable stylesheet by Lit: no <style> element, so `style-src 'self'` is enough.
export const widgetStyles = css`
  :host {
    --atende-accent: #0b6e4f;
    --atende-accent-strong: #08513a;
    --atende-bg: #ffffff;
    --atende-muted: #5b6470;
    --atende-border: #d9dee4;
    --atende-bubble: #f1f4f7;
    --atende-danger: #b42318;
    --atende-radius: 14px;
    font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
    font-size: 15px;
    line-height: 1.45;
    color: #1c2430;
    position: fixed;
    right: 20px;
    bottom: 20px;
    z-index: 2147483000;
  }
  * {
    box-sizing: border-box;
  }
  button,
  input,
  textarea,
  select {
    font: inherit;
  }
  :focus-visible {
    outline: 3px solid #f4b400;
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .launcher {
    width: 60px;
    height: 60px;
    border-radius: 50%;
    border: none;
    background: var(--atende-accent);
    color: #fff;
    cursor: pointer;
    box-shadow: 0 6px 20px rgb(0 0 0 / 0.25);
    display: grid;
    place-items: center;
    margin-left: auto;
  }
  .launcher:hover {
    background: var(--atende-accent-strong);
  }
  .launcher svg {
    width: 28px;
    height: 28px;
  }
  .panel {
    position: absolute;
    right: 0;
    bottom: 76px;
    width: 380px;
    height: min(620px, calc(100vh - 120px));
    background: var(--atende-bg);
    border: 1px solid var(--atende-border);
    border-radius: var(--atende-radius);
    box-shadow: 0 12px 40px rgb(0 0 0 / 0.22);
    display: flex;
    flex-direction: column;
    overflow: hidden;
  }
  header {
    background: var(--atende-accent);
    color: #fff;
    padding: 12px 14px;
    display: flex;
    align-items: center;
    gap: 8px;
  }
  header .titles {
    flex: 1;
    min-width: 0;
  }
  header h2 {
    font-size: 16px;
    margin: 0;
  }
  header p {
    margin: 0;
    font-size: 12px;
    opacity: 0.9;
  }
  header button,
  header select {
    background: rgb(255 255 255 / 0.15);
    color: #fff;
    border: 1px solid rgb(255 255 255 / 0.4);
    border-radius: 8px;
    padding: 4px 8px;
    cursor: pointer;
    font-size: 13px;
  }
  header select option {
    color: #1c2430;
  }
  header .icon {
    width: 32px;
    height: 32px;
    padding: 0;
    display: grid;
    place-items: center;
    font-size: 20px;
    line-height: 1;
  }
  .log {
    flex: 1;
    overflow-y: auto;
    list-style: none;
    margin: 0;
    padding: 14px;
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .msg {
    max-width: 88%;
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .msg.shopper {
    align-self: flex-end;
    align-items: flex-end;
  }
  .bubble {
    padding: 9px 12px;
    border-radius: 12px;
    background: var(--atende-bubble);
    overflow-wrap: anywhere;
  }
  .shopper .bubble {
    background: var(--atende-accent);
    color: #fff;
    white-space: pre-wrap;
  }
  .msg.failed .bubble {
    opacity: 0.75;
  }
  .bubble p {
    margin: 0 0 6px;
  }
  .bubble p:last-child,
  .bubble ul:last-child,
  .bubble ol:last-child {
    margin-bottom: 0;
  }
  .bubble ul,
  .bubble ol {
    margin: 0 0 6px;
    padding-left: 20px;
  }
  .bubble code {
    background: rgb(0 0 0 / 0.06);
    border-radius: 4px;
    padding: 0 3px;
    font-size: 0.92em;
  }
  .bubble a {
    color: var(--atende-accent-strong);
  }
  .who {
    font-size: 11px;
    color: var(--atende-muted);
  }
  .typing {
    display: inline-flex;
    gap: 4px;
    padding: 12px 14px;
  }
  .typing span {
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: var(--atende-muted);
    animation: blink 1.2s infinite ease-in-out;
  }
  .typing span:nth-child(2) {
    animation-delay: 0.15s;
  }
  .typing span:nth-child(3) {
    animation-delay: 0.3s;
  }
  @keyframes blink {
    0%,
    80%,
    100% {
      opacity: 0.25;
      transform: translateY(0);
    }
    40% {
      opacity: 1;
      transform: translateY(-3px);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .typing span {
      animation: none;
    }
  }
  .sources {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
    font-size: 12px;
    color: var(--atende-muted);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .sources li {
    border: 1px solid var(--atende-border);
    border-radius: 999px;
    padding: 2px 8px;
    background: #fff;
  }
  .card {
    border: 1px solid var(--atende-border);
    border-radius: 12px;
    padding: 10px 12px;
    background: #fff;
    font-size: 14px;
  }
  .card h3 {
    margin: 0 0 4px;
    font-size: 14px;
    display: flex;
    justify-content: space-between;
    align-items: flex-start;
    gap: 8px;
  }
  .card dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 2px 10px;
    margin: 6px 0 0;
  }
  .card dt {
    color: var(--atende-muted);
  }
  .card dd {
    margin: 0;
  }
  .badge {
    font-size: 12px;
    font-weight: 600;
    background: #e5f3ee;
    color: var(--atende-accent-strong);
    border-radius: 999px;
    padding: 1px 8px;
    white-space: nowrap;
    flex-shrink: 0;
  }
  .card ul {
    margin: 4px 0 0;
    padding-left: 18px;
  }
  .card.offer {
    border-color: #f0c36d;
    background: #fffaf0;
  }
  .code {
    font-family: ui-monospace, monospace;
    font-weight: 700;
    letter-spacing: 0.04em;
  }
  .action {
    background: #fff;
    color: var(--atende-accent-strong);
    border: 1px solid var(--atende-accent);
    border-radius: 999px;
    padding: 6px 12px;
    cursor: pointer;
  }
  .action:hover {
    background: #e5f3ee;
  }
  .card p {
    margin: 0 0 6px;
  }
  .restart {
    align-self: center;
  }
  .link {
    background: none;
    border: none;
    color: var(--atende-muted);
    text-decoration: underline;
    cursor: pointer;
    font-size: 13px;
    padding: 4px;
  }
  .notice {
    margin: 0 14px 8px;
    padding: 8px 10px;
    border-radius: 10px;
    font-size: 14px;
    display: flex;
    gap: 8px;
    align-items: center;
    justify-content: space-between;
  }
  .notice.error {
    background: #fdecea;
    color: var(--atende-danger);
  }
  .notice.info {
    background: #eef4ff;
    color: #1d3b78;
  }
  .notice:empty {
    display: none;
  }
  .count {
    margin: 0 14px 4px;
    text-align: right;
    font-size: 12px;
    color: var(--atende-muted);
    font-variant-numeric: tabular-nums;
  }
  .count.full {
    color: var(--atende-danger);
    font-weight: 600;
  }
  form.composer {
    display: flex;
    gap: 8px;
    padding: 10px;
    border-top: 1px solid var(--atende-border);
    align-items: flex-end;
  }
  textarea {
    flex: 1;
    resize: none;
    border: 1px solid var(--atende-border);
    border-radius: 10px;
    padding: 8px 10px;
    min-height: 42px;
    max-height: 120px;
  }
  .send {
    background: var(--atende-accent);
    color: #fff;
    border: none;
    border-radius: 10px;
    padding: 0 14px;
    height: 42px;
    cursor: pointer;
  }
  .send:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  .signin {
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 10px;
    border-bottom: 1px solid var(--atende-border);
    background: #fafbfc;
  }
  .signin h3 {
    margin: 0;
    font-size: 15px;
  }
  .signin label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 13px;
    color: var(--atende-muted);
  }
  .signin input {
    border: 1px solid var(--atende-border);
    border-radius: 8px;
    padding: 8px;
    color: #1c2430;
  }
  .signin .row {
    display: flex;
    gap: 8px;
  }
  .signin .error {
    color: var(--atende-danger);
    margin: 0;
    font-size: 13px;
  }
  header button.talk {
    background: none;
    border: none;
    padding: 0;
    margin-top: 2px;
    font-size: 12px;
    text-decoration: underline;
    text-underline-offset: 2px;
    opacity: 0.95;
  }
  header button.talk[aria-disabled='true'] {
    text-decoration: none;
    opacity: 0.6;
  }
  .msg.operator .bubble {
    background: #eef4ff;
    border: 1px solid #c9d8f5;
    white-space: pre-wrap;
  }
  .handoff-notice {
    align-self: stretch;
    text-align: center;
    font-size: 13px;
    color: var(--atende-muted);
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .handoff-notice > p {
    margin: 0;
    padding: 4px 12px;
    border-radius: 12px;
    background: #f6f7f9;
    align-self: center;
  }
  .handoff-notice.assigned > p {
    background: #e5f3ee;
    color: var(--atende-accent-strong);
  }
  .handoff-notice .sent {
    color: var(--atende-accent-strong);
  }
  .operator-typing {
    margin: 0 14px;
    font-size: 12px;
    color: var(--atende-muted);
    min-height: 0;
  }
  .operator-typing:empty {
    display: none;
  }
  form.card {
    display: flex;
    flex-direction: column;
    gap: 8px;
    text-align: left;
    color: #1c2430;
  }
  form.card h3 {
    margin: 0;
  }
  form.card label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 13px;
    color: var(--atende-muted);
  }
  form.card input,
  form.card textarea {
    border: 1px solid var(--atende-border);
    border-radius: 8px;
    padding: 8px;
    color: #1c2430;
    min-height: 0;
    max-height: none;
  }
  form.card .send {
    align-self: flex-start;
  }
  form.card .error {
    color: var(--atende-danger);
    margin: 0;
    font-size: 13px;
  }
  .rating-item {
    align-self: stretch;
  }
  .card.rating .row {
    display: flex;
    gap: 8px;
    align-items: center;
  }
  .stars {
    display: flex;
    gap: 4px;
  }
  .star {
    background: none;
    border: 1px solid var(--atende-border);
    border-radius: 8px;
    width: 40px;
    height: 40px;
    font-size: 22px;
    line-height: 1;
    color: #c3c9d1;
    cursor: pointer;
  }
  .star.on {
    color: #e8a200;
    border-color: #f0c36d;
    background: #fffaf0;
  }
  @media (max-width: 520px) {
    :host {
      right: 12px;
      bottom: 12px;
    }
    :host([open]) {
      inset: 0;
    }
    :host([open]) .launcher {
      display: none;
    }
    .panel {
      position: fixed;
      inset: 0;
      width: 100%;
      height: 100%;
      border-radius: 0;
      border: none;
    }
    .msg {
      max-width: 92%;
    }
  }
`;
