import { css } from 'lit';

// Adopted as constructable stylesheets by Lit: no <style> element, so `style-src 'self'` is enough.

/** What every console element shares: colours, controls, focus, cards and tables. */
export const baseStyles = css`
  :host {
    display: block;
    font-size: 15px;
    line-height: 1.45;
    color: #1c2430;
    --accent: #0b6e4f;
    --accent-soft: #e5f3ee;
    --muted: #5b6470;
    --border: #d9dee4;
    --ink: #102a43;
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
    padding: 7px 8px;
    color: #1c2430;
    background: #fff;
  }
  .muted {
    color: var(--muted);
    font-size: 13px;
  }
  .error {
    color: #b42318;
  }
  .card {
    background: #fff;
    border-radius: 12px;
    padding: 16px 18px;
    margin-bottom: 16px;
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.08);
  }
  h2 {
    font-size: 18px;
    margin: 0 0 4px;
  }
  h3 {
    font-size: 15px;
    margin: 0 0 8px;
  }
  .table {
    overflow-x: auto;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid #e4e7eb;
    vertical-align: top;
    font-size: 14px;
  }
  th {
    color: var(--muted);
    font-weight: 600;
  }
  code {
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
    font-size: 13px;
    overflow-wrap: anywhere;
  }
  .tag {
    display: inline-block;
    background: #f0f4f8;
    border-radius: 999px;
    padding: 0 8px;
    margin: 2px 2px 0 0;
    font-size: 12px;
  }
  .state {
    font-weight: 600;
    border-radius: 999px;
    padding: 1px 10px;
    font-size: 13px;
    white-space: nowrap;
  }
  .state.up,
  .state.open {
    background: #e3f9e5;
    color: #0e5c2f;
  }
  .state.down,
  .state.closed {
    background: #fdecea;
    color: #b42318;
  }
  .state.unknown {
    background: #f0f4f8;
    color: #334e68;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .page {
    max-width: 1100px;
    margin: 0 auto;
    padding: 20px;
  }
  @media (max-width: 720px) {
    .page {
      padding: 12px;
    }
    .card {
      padding: 12px;
    }
  }
`;

/** The shell: the top bar, the navigation (a drawer on phones), the sign-in form. */
export const shellStyles = css`
  :host {
    min-height: 100vh;
    background: #f4f6f8;
  }
  .top {
    background: var(--ink);
    color: #fff;
    padding: 8px 16px;
    display: flex;
    align-items: center;
    gap: 12px;
    min-height: 52px;
  }
  .top .brand {
    font-size: 17px;
    font-weight: 700;
    margin: 0;
    flex: 1;
    white-space: nowrap;
  }
  .top .who {
    color: #d9e2ec;
    font-size: 14px;
  }
  .top select {
    padding: 4px 6px;
  }
  .top button {
    background: transparent;
    border-color: #9fb3c8;
  }
  .menu {
    display: none;
  }
  .frame {
    display: grid;
    grid-template-columns: 200px 1fr;
    min-height: calc(100vh - 52px);
  }
  nav.sections {
    background: #fff;
    border-right: 1px solid var(--border);
    padding: 12px 8px;
  }
  nav.sections ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  nav.sections a {
    display: block;
    padding: 9px 12px;
    border-radius: 8px;
    color: #1c2430;
    text-decoration: none;
    font-weight: 500;
  }
  nav.sections a:hover {
    background: #f0f4f8;
  }
  nav.sections a[aria-current='page'] {
    background: var(--accent-soft);
    color: var(--accent);
    font-weight: 700;
  }
  nav.sections .shop {
    margin-top: 16px;
    font-size: 13px;
    color: var(--muted);
  }
  main {
    min-width: 0;
  }
  main > [hidden] {
    display: none;
  }
  main > atende-dashboard {
    display: block;
    padding: 16px 20px;
  }
  form.login {
    max-width: 400px;
    margin: 48px auto;
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  form.login label {
    display: flex;
    flex-direction: column;
    gap: 3px;
    font-size: 14px;
    color: #486581;
  }
  form.login h1 {
    font-size: 20px;
    margin: 0;
  }
  form.login p {
    margin: 0;
  }
  .placeholder {
    color: var(--muted);
  }
  .top .brand {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  @media (max-width: 720px) {
    .top {
      padding: 8px 10px;
      gap: 8px;
    }
    .top .brand {
      font-size: 15px;
    }
    .menu .label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
    .top .who {
      display: none;
    }
    .menu {
      display: inline-block;
    }
    main > atende-dashboard {
      padding: 10px;
    }
    .frame {
      grid-template-columns: 1fr;
    }
    nav.sections {
      display: none;
      border-right: none;
      border-bottom: 1px solid var(--border);
    }
    nav.sections.open {
      display: block;
    }
    form.login {
      margin: 24px 12px;
    }
  }
`;
