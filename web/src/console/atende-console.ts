/// <reference types="vite/client" />
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { DeskSettings } from '../../../agents/desk/protocol.js';
import { type ConsoleStrings, consoleStrings } from './i18n.js';
import { type SectionId, sectionFromHash, sectionsFor } from './nav.js';
import { type ConsoleLocale, type ConsoleSection, DEFAULT_TIME_ZONE } from './section.js';
import { CONSOLE_CHANNEL, ConsoleSession, SignInError } from './session.js';
import { baseStyles, shellStyles } from './styles.js';

const LOCALE_KEY = 'atende.console-locale';

// The dashboard section is built in web/src/dashboard; it is loaded (its own chunk) when that module exists.
const dashboardModule = import.meta.glob('../dashboard/index.ts');

function storage(kind: 'sessionStorage' | 'localStorage'): Storage | undefined {
  try {
    return window[kind];
  } catch {
    return undefined;
  }
}

/**
 * `<atende-console>`: the staff's one application. Signs an operator or admin in once (see {@link ConsoleSession}),
 * shows the sections their role may open (`#/inbox`, `#/dashboard`, `#/agents`, `#/inspector`, `#/settings`) and
 * gives each section element the session's authorized fetch, the language, the shop's time zone and who is signed
 * in. A section once opened stays mounted (hidden) so the inbox keeps following the queue.
 */
export class AtendeConsole extends LitElement {
  static override styles = [baseStyles, shellStyles];

  readonly #session = new ConsoleSession({
    storage: storage('sessionStorage'),
    channel: typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(CONSOLE_CHANNEL),
    locks: typeof navigator !== 'undefined' ? navigator.locks : undefined,
  });
  #ready = false;
  #locale: ConsoleLocale = 'pt-BR';
  #timeZone = DEFAULT_TIME_ZONE;
  #section: SectionId = 'inbox';
  #opened = new Set<SectionId>();
  #navOpen = false;
  #busy = false;
  #loginError = '';
  #dashboardLoaded = false;
  readonly #onHash = () => this.#route();
  readonly #onSession = () => this.#sessionChanged();

  get #t(): ConsoleStrings {
    return consoleStrings(this.#locale);
  }

  override connectedCallback() {
    super.connectedCallback();
    const stored = storage('localStorage')?.getItem(LOCALE_KEY);
    this.#locale = stored === 'en' || stored === 'pt-BR' ? stored : 'pt-BR';
    document.documentElement.lang = this.#locale;
    window.addEventListener('hashchange', this.#onHash);
    this.#session.addEventListener('change', this.#onSession);
    void this.#session.restore().then(() => {
      this.#ready = true;
      this.#sessionChanged();
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHash);
    this.#session.removeEventListener('change', this.#onSession);
  }

  #sessionChanged() {
    const staff = this.#session.staff;
    if (!staff) {
      if (this.#opened.size) this.#loginError = this.#t.sessionEnded;
      this.#opened.clear();
    } else {
      this.#loginError = '';
      this.#route();
      void this.#loadTimeZone();
    }
    this.requestUpdate();
  }

  #route() {
    const staff = this.#session.staff;
    if (!staff) return;
    const previous = this.#section;
    this.#section = sectionFromHash(location.hash, staff.role);
    if (previous !== this.#section) window.scrollTo(0, 0);
    this.#opened.add(this.#section);
    this.#navOpen = false;
    if (!location.hash.startsWith(`#/${this.#section}`)) history.replaceState(null, '', `#/${this.#section}`);
    if (this.#section === 'dashboard') void this.#loadDashboard();
    this.requestUpdate();
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>('main')?.focus({ preventScroll: true }),
    );
  }

  async #loadDashboard() {
    const load = dashboardModule['../dashboard/index.ts'];
    if (!load || this.#dashboardLoaded) return;
    await load();
    this.#dashboardLoaded = true;
    this.requestUpdate();
  }

  /** The shop's time zone is the desk's; America/Sao_Paulo while the desk cannot say. */
  async #loadTimeZone() {
    try {
      const response = await this.#session.api('/api/desk/settings');
      if (!response.ok) return;
      const { settings } = (await response.json()) as { settings: DeskSettings };
      this.#timeZone = settings.timeZone;
      this.requestUpdate();
    } catch {
      // the default stays
    }
  }

  async #login(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    this.#busy = true;
    this.#loginError = '';
    this.requestUpdate();
    try {
      await this.#session.login(String(data.get('email') ?? ''), String(data.get('password') ?? ''));
    } catch (error) {
      const t = this.#t;
      const reason = error instanceof SignInError ? error.reason : 'unknown';
      this.#loginError =
        reason === 'not_staff'
          ? t.notStaff((error as SignInError).role ?? 'customer')
          : reason === 'invalid_credentials'
            ? t.invalidCredentials
            : reason === 'too_many_attempts'
              ? t.tooManyAttempts
              : reason === 'network'
                ? t.networkError
                : t.genericError;
    } finally {
      this.#busy = false;
      this.requestUpdate();
    }
  }

  async #logout() {
    // Sections may still use the token (the inbox goes "away"), then every tab is signed out.
    const sections = [...this.renderRoot.querySelectorAll('main > *')] as Array<Partial<ConsoleSection>>;
    await Promise.all(sections.map((s) => s.signOut?.().catch(() => undefined)));
    this.#opened.clear();
    await this.#session.logout();
    this.#loginError = '';
    this.requestUpdate();
  }

  #setLocale(event: Event) {
    this.#locale = (event.target as HTMLSelectElement).value === 'en' ? 'en' : 'pt-BR';
    document.documentElement.lang = this.#locale;
    storage('localStorage')?.setItem(LOCALE_KEY, this.#locale);
    this.requestUpdate();
  }

  override render() {
    const t = this.#t;
    const staff = this.#session.staff;
    return html`
      <header class="top">
        ${
          staff
            ? html`<button
                type="button"
                class="menu"
                aria-expanded=${this.#navOpen ? 'true' : 'false'}
                aria-controls="sections"
                @click=${() => {
                  this.#navOpen = !this.#navOpen;
                  this.requestUpdate();
                }}
              ><span aria-hidden="true">☰</span> <span class="label">${t.menu}</span></button>`
            : nothing
        }
        <p class="brand">${t.brand}</p>
        <label class="sr-only" for="locale">${t.language}</label>
        <select id="locale" @change=${this.#setLocale}>
          <option value="pt-BR" ?selected=${this.#locale === 'pt-BR'}>Português</option>
          <option value="en" ?selected=${this.#locale === 'en'}>English</option>
        </select>
        ${
          staff
            ? html`<span class="who">${staff.name} · ${t.roles[staff.role]}</span>
                <button type="button" @click=${this.#logout}>${t.signOut}</button>`
            : nothing
        }
      </header>
      ${staff ? this.#renderFrame(t) : this.#ready ? this.#renderLogin(t) : nothing}
    `;
  }

  #renderLogin(t: ConsoleStrings) {
    return html`<form class="login card" @submit=${this.#login} aria-labelledby="login-title">
      <h1 id="login-title">${t.signInTitle}</h1>
      <p class="muted">${t.signInHint}</p>
      <label>${t.email} <input name="email" type="email" autocomplete="username" required /></label>
      <label>${t.password} <input name="password" type="password" autocomplete="current-password" required /></label>
      ${this.#loginError ? html`<p class="error" role="alert">${this.#loginError}</p>` : nothing}
      <button type="submit" ?disabled=${this.#busy}>${this.#busy ? t.signingIn : t.signIn}</button>
      <a class="muted" href="/">${t.shopLink}</a>
    </form>`;
  }

  #renderFrame(t: ConsoleStrings) {
    const staff = this.#session.staff;
    if (!staff) return nothing;
    const sections = sectionsFor(staff.role);
    return html`<div class="frame">
      <nav id="sections" class="sections ${this.#navOpen ? 'open' : ''}" aria-label=${t.navigation}>
        <ul>
          ${sections.map(
            (s) => html`<li>
              <a href="#/${s}" aria-current=${this.#section === s ? 'page' : 'false'}>${t.sections[s]}</a>
            </li>`,
          )}
        </ul>
        <a class="shop" href="/">${t.shopLink}</a>
      </nav>
      <main tabindex="-1" aria-label=${t.sections[this.#section]}>
        ${sections.filter((s) => this.#opened.has(s)).map((s) => this.#renderSection(s, t))}
      </main>
    </div>`;
  }

  #renderSection(id: SectionId, t: ConsoleStrings): TemplateResult {
    const staff = this.#session.staff;
    const api = this.#session.api;
    const hidden = this.#section !== id;
    const locale = this.#locale;
    const timeZone = this.#timeZone;
    switch (id) {
      case 'inbox':
        return html`<atende-operator ?hidden=${hidden} .api=${api} .locale=${locale} .timeZone=${timeZone} .staff=${staff}></atende-operator>`;
      case 'dashboard':
        return this.#dashboardLoaded
          ? html`<atende-dashboard ?hidden=${hidden} .api=${api} .locale=${locale} .timeZone=${timeZone} .staff=${staff}></atende-dashboard>`
          : html`<section class="page" ?hidden=${hidden}>
              <div class="card"><h2>${t.sections.dashboard}</h2><p class="placeholder">${t.dashboardSoon}</p></div>
            </section>`;
      case 'agents':
        return html`<atende-agents ?hidden=${hidden} .api=${api} .locale=${locale} .timeZone=${timeZone} .staff=${staff}></atende-agents>`;
      case 'inspector':
        return html`<atende-inspector ?hidden=${hidden} .api=${api} .locale=${locale} .timeZone=${timeZone} .staff=${staff}></atende-inspector>`;
      case 'settings':
        return html`<atende-settings ?hidden=${hidden} .api=${api} .locale=${locale} .timeZone=${timeZone} .staff=${staff}></atende-settings>`;
    }
  }
}
