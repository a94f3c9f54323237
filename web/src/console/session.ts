import type { StaffIdentity } from './section.js';

/** A signed-in staff session as the console keeps it (sessionStorage of each tab). */
export interface StoredSession extends StaffIdentity {
  email: string;
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
}

/** Why a sign-in failed; the shell words each one. */
export type SignInFailure = 'invalid_credentials' | 'not_staff' | 'too_many_attempts' | 'network' | 'unknown';

/** A failed sign-in, with its reason and (for `not_staff`) the account's role. */
export class SignInError extends Error {
  constructor(
    readonly reason: SignInFailure,
    readonly role?: string,
  ) {
    super(reason);
    this.name = 'SignInError';
  }
}

interface TokenBody {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: { id: string; email: string; displayName: string; role: string };
}

/** Messages between the console's tabs of one browser. */
type TabMessage = { type: 'ask' } | { type: 'session'; session: StoredSession } | { type: 'signed-out' };

const STORAGE_KEY = 'atende.console-session';
/** The BroadcastChannel name the console's tabs share the session on. */
export const CONSOLE_CHANNEL = 'atende.console';
const REFRESH_LOCK = 'atende.console-refresh';
/** How long a new tab waits for another tab to lend it the session. */
const ASK_MS = 300;

/** When to renew a token that expires in `leftMs`: a minute before, or half-way for tokens of two minutes or less. */
export function renewalDelay(leftMs: number): number {
  return Math.max(1_000, leftMs > 120_000 ? leftMs - 60_000 : leftMs / 2);
}

/** The parts of the browser the session uses; tests and old browsers may leave the optional ones out. */
export interface SessionOptions {
  storage?: Storage;
  fetch?: typeof fetch;
  /** Shares the session with the other tabs of this browser (a new tab is signed in; logout ends all). */
  channel?: BroadcastChannel;
  /** Serialises refreshes across tabs, so one rotation of the refresh token is never spent twice. */
  locks?: LockManager;
  now?: () => number;
}

/**
 * The console's one sign-in: `POST /api/auth/login`, kept in the tab's sessionStorage and lent to new tabs of the
 * same browser over a BroadcastChannel (sessionStorage is per tab), the access token refreshed before it expires
 * (`POST /api/auth/refresh`; the rotated refresh token replaces the old one in every tab), and `POST
 * /api/auth/logout` revoking the token family, which signs every tab out. Dispatches `change` whenever the
 * signed-in staff changes (signed in, refreshed from another tab, signed out).
 */
export class ConsoleSession extends EventTarget {
  #session: StoredSession | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<boolean> | undefined;
  readonly #storage: Storage | undefined;
  readonly #fetch: typeof fetch;
  readonly #channel: BroadcastChannel | undefined;
  readonly #locks: LockManager | undefined;
  readonly #now: () => number;

  constructor(options: SessionOptions = {}) {
    super();
    this.#storage = options.storage;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#channel = options.channel;
    this.#locks = options.locks;
    this.#now = options.now ?? Date.now;
    this.#channel?.addEventListener('message', (event) => this.#onMessage(event.data as TabMessage));
  }

  /** The signed-in staff, if any. */
  get staff(): StaffIdentity | undefined {
    const s = this.#session;
    return s && { subject: s.subject, role: s.role, name: s.name };
  }

  get email(): string | undefined {
    return this.#session?.email;
  }

  /** Picks up this tab's session, else asks the other tabs for theirs; resolves whether signed in. */
  async restore(): Promise<boolean> {
    try {
      const raw = this.#storage?.getItem(STORAGE_KEY);
      if (raw) this.#adopt(JSON.parse(raw) as StoredSession, false);
    } catch {
      // unreadable: sign in again
    }
    if (!this.#session && this.#channel) {
      const answered = new Promise<void>((resolve) => {
        const done = () => {
          this.removeEventListener('change', done);
          resolve();
        };
        this.addEventListener('change', done);
        setTimeout(done, ASK_MS);
      });
      this.#post({ type: 'ask' });
      await answered;
    }
    if (this.#session && this.#session.expiresAt - this.#now() < 30_000) await this.refresh();
    return Boolean(this.#session);
  }

  /** Signs in; refuses shoppers (`not_staff`) without keeping anything of theirs. */
  async login(email: string, password: string): Promise<StaffIdentity> {
    let response: Response;
    try {
      response = await this.#fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
    } catch {
      throw new SignInError('network');
    }
    if (response.status === 401 || response.status === 400) throw new SignInError('invalid_credentials');
    if (response.status === 429) throw new SignInError('too_many_attempts');
    if (!response.ok) throw new SignInError('unknown');
    const body = (await response.json()) as TokenBody;
    const role = body.user.role;
    if (role !== 'operator' && role !== 'admin') {
      // Not ours to keep: the shopper's session ends here.
      void this.#revoke(body.refreshToken);
      throw new SignInError('not_staff', role);
    }
    this.#adopt(this.#fromBody(body), true);
    return this.staff as StaffIdentity;
  }

  /** Revokes the session's refresh-token family and signs every tab of this browser out. */
  async logout(): Promise<void> {
    const refreshToken = this.#session?.refreshToken;
    this.#clear(true);
    if (refreshToken) await this.#revoke(refreshToken);
  }

  /**
   * Renews the access token with the refresh token (once at a time, across tabs); resolves false, signed out,
   * when the server refuses it.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      const run = () => this.#refreshNow();
      return this.#locks ? this.#locks.request(REFRESH_LOCK, run) : run();
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshNow(): Promise<boolean> {
    const before = this.#session?.refreshToken;
    // Another tab may have rotated the token just before we got the lock: let its message arrive first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const session = this.#session;
    if (!session) return false;
    if (session.refreshToken !== before && session.expiresAt - this.#now() > 30_000) return true;
    let response: Response;
    try {
      response = await this.#fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
    } catch {
      // Offline for now: try again soon, keep the session.
      this.#schedule(15_000);
      return false;
    }
    if (response.status === 401 || response.status === 400) {
      this.#clear(true);
      return false;
    }
    if (!response.ok) {
      this.#schedule(15_000);
      return false;
    }
    this.#adopt(this.#fromBody((await response.json()) as TokenBody), true);
    return true;
  }

  /**
   * An authorized request to the orchestrator (the sections' `.api`): the bearer token added, renewed once after a
   * 401; a 401 that renewal cannot fix signs out.
   */
  readonly api = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const send = () => {
      const headers = new Headers(init.headers);
      if (this.#session) headers.set('authorization', `Bearer ${this.#session.accessToken}`);
      return this.#fetch(path, { ...init, headers });
    };
    if (this.#session && this.#session.expiresAt - this.#now() < 10_000) await this.refresh();
    let response = await send();
    if (response.status === 401 && this.#session) {
      const renewed = await this.refresh();
      if (renewed) response = await send();
      else if (this.#session) this.#clear(true);
    }
    if (response.status === 401 && this.#session) this.#clear(true);
    return response;
  };

  #fromBody(body: TokenBody): StoredSession {
    return {
      subject: body.user.id,
      role: body.user.role as StaffIdentity['role'],
      name: body.user.displayName,
      email: body.user.email,
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      expiresAt: this.#now() + body.expiresIn * 1000,
    };
  }

  #adopt(session: StoredSession, share: boolean) {
    const changed = this.#session?.subject !== session.subject;
    this.#session = session;
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch {
      // storage blocked: the session lasts as long as the page
    }
    if (share) this.#post({ type: 'session', session });
    this.#schedule(renewalDelay(session.expiresAt - this.#now()));
    if (changed) this.dispatchEvent(new Event('change'));
  }

  #clear(share: boolean) {
    const had = Boolean(this.#session);
    this.#session = undefined;
    clearTimeout(this.#timer);
    try {
      this.#storage?.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
    if (share) this.#post({ type: 'signed-out' });
    if (had) this.dispatchEvent(new Event('change'));
  }

  #schedule(ms: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), ms);
  }

  #post(message: TabMessage) {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // the channel is closed
    }
  }

  #onMessage(message: TabMessage) {
    if (message.type === 'ask' && this.#session) this.#post({ type: 'session', session: this.#session });
    else if (message.type === 'session') {
      // Adopt a newer rotation (or a first sign-in); ignore an older copy.
      if (!this.#session || message.session.expiresAt >= this.#session.expiresAt) {
        this.#adopt(message.session, false);
      }
    } else if (message.type === 'signed-out') this.#clear(false);
  }

  async #revoke(refreshToken: string): Promise<void> {
    await this.#fetch('/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Staff sign out everywhere: every tab, browser and device of the account.
      body: JSON.stringify({ refreshToken, everywhere: true }),
    }).catch(() => undefined);
  }
}
