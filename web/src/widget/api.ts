import type {
  ApiErrorBody,
  ChatEvent,
  HistoryMessage,
  HistoryResponse,
} from '../../../orchestrator/chat/contract.js';

export type { HistoryMessage };

import { readEvents } from './sse.js';

/** An error answered by the orchestrator (`{ code, message, requestId }`), or `network` when it was unreachable. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The signed-in account, as `POST /api/auth/login` returns it. */
export interface User {
  id: string;
  email: string;
  displayName: string;
  role: string;
}

/** The shopper's session: a guest one, or a signed-in one with a refresh token. */
export interface Session {
  accessToken: string;
  expiresAt: number;
  role: string;
  refreshToken?: string;
  user?: User;
  conversationId?: string;
}

/**
 * One stored message of a conversation, as `GET /api/conversations/:id/messages` returns it (the contract has no
 * schema for this answer; its citations and annotations are the contract's).
 */
const GUEST_KEY = 'atende.session';
const SIGNED_IN_KEY = 'atende.account-session';

function read(storage: Storage | undefined, key: string): Session | undefined {
  try {
    const raw = storage?.getItem(key);
    const session = raw ? (JSON.parse(raw) as Session) : undefined;
    return typeof session?.accessToken === 'string' ? session : undefined;
  } catch {
    return undefined;
  }
}

function write(storage: Storage | undefined, key: string, session: Session | undefined) {
  try {
    if (session) storage?.setItem(key, JSON.stringify(session));
    else storage?.removeItem(key);
  } catch {
    // Storage may be full or blocked (private mode); the session then lasts as long as the page.
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: keep the status alone
  }
  const retry = Number(response.headers.get('retry-after'));
  return new ApiError(
    response.status,
    body.code ?? `http_${response.status}`,
    body.message ?? response.statusText,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/**
 * The widget's client of the orchestrator API. A guest session lives in localStorage (it survives a reload and
 * a new tab); a signed-in one in sessionStorage, so it ends with the tab on a shared computer.
 */
export class ChatApi {
  session: Session | undefined;
  readonly #base: string;
  readonly #local: Storage | undefined;
  readonly #tab: Storage | undefined;
  /** The API is on another origin than the page: a refused origin then looks like a lost connection. */
  readonly #crossOrigin: boolean;
  /** The API has answered this page once: its origin is allowed, a failure since is the connection's. */
  #answered = false;

  constructor(options: { baseUrl: string; local?: Storage; tab?: Storage; pageOrigin?: string }) {
    this.#base = options.baseUrl.replace(/\/$/, '');
    this.#local = options.local;
    this.#tab = options.tab;
    this.#crossOrigin = options.pageOrigin !== undefined && new URL(this.#base).origin !== options.pageOrigin;
    this.session = read(this.#tab, SIGNED_IN_KEY) ?? read(this.#local, GUEST_KEY);
  }

  /** Whether the API answered at all; a failed answer (4xx, 5xx) still proves the origin is allowed. */
  #seen(response: Response): Response {
    this.#answered = true;
    return response;
  }

  /**
   * The error for a request that got no answer. Across origins, the browser hides the API's 403
   * `origin_not_allowed` (it has no CORS headers) behind the same TypeError as a lost connection; if the
   * orchestrator still serves the widget's loader (open to every origin), it is up and it refused the page's
   * origin: the shop's configuration (`WEB_ORIGIN`), not the shopper's connection. (A `no-cors` probe would not do:
   * the orchestrator's answers are `Cross-Origin-Resource-Policy: same-origin`.)
   */
  async #noAnswer(): Promise<ApiError> {
    if (this.#crossOrigin && !this.#answered) {
      const up = await fetch(`${this.#base}/widget/atende-chat.js`, { cache: 'no-store' }).then(
        () => true,
        () => false,
      );
      if (up) return new ApiError(403, 'origin_not_allowed', 'this origin may not call the Atende API');
    }
    return new ApiError(0, 'network', 'network error');
  }

  #save(session: Session | undefined) {
    this.session = session;
    if (session?.refreshToken) {
      write(this.#tab, SIGNED_IN_KEY, session);
    } else {
      write(this.#tab, SIGNED_IN_KEY, undefined);
      write(this.#local, GUEST_KEY, session);
    }
  }

  /** Remembers the conversation the session is in. */
  setConversation(conversationId: string | undefined) {
    if (this.session) this.#save({ ...this.session, conversationId });
  }

  async #post(path: string, body?: unknown, token?: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method: 'POST',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw await this.#noAnswer();
    }
    if (!this.#seen(response).ok) throw await errorFrom(response);
    return response;
  }

  /** A session whose access token is still valid: refreshed when it can be, a new guest one otherwise. */
  async ensureSession(): Promise<Session> {
    const current = this.session;
    if (current && current.expiresAt - Date.now() > 30_000) return current;
    if (current?.refreshToken) {
      try {
        return await this.#refresh(current);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'network') throw error;
        // The refresh token is spent or revoked: continue as a guest.
      }
    }
    const guest = (await (await this.#post('/api/auth/guest')).json()) as {
      accessToken: string;
      expiresIn: number;
      role: string;
    };
    const session: Session = {
      accessToken: guest.accessToken,
      expiresAt: Date.now() + guest.expiresIn * 1000,
      role: guest.role,
    };
    this.#save(session);
    return session;
  }

  async #refresh(current: Session): Promise<Session> {
    const body = (await (
      await this.#post('/api/auth/refresh', { refreshToken: current.refreshToken })
    ).json()) as LoginResponse;
    const session: Session = { ...fromLogin(body), conversationId: current.conversationId };
    this.#save(session);
    return session;
  }

  /** Signs in; the new session starts a new conversation (the guest's one belongs to the guest). */
  async login(email: string, password: string): Promise<Session> {
    const body = (await (await this.#post('/api/auth/login', { email, password })).json()) as LoginResponse;
    const session = fromLogin(body);
    this.#save(session);
    return session;
  }

  /** Signs out (revoking the refresh token) and forgets the session. */
  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    this.#save(undefined);
    if (refreshToken) await this.#post('/api/auth/logout', { refreshToken }).catch(() => undefined);
  }

  /** Closes the session's conversation (the next message starts a new one); returns the id of the one closed. */
  async closeConversation(): Promise<string | undefined> {
    const session = this.session;
    if (!session?.conversationId) return undefined;
    const id = session.conversationId;
    this.setConversation(undefined);
    await this.#post(
      `/api/conversations/${encodeURIComponent(id)}/close`,
      undefined,
      session.accessToken,
    ).catch(() => undefined);
    return id;
  }

  /** A POST with a valid session's token, tried once more with a fresh one after a 401. */
  async #authorizedPost(path: string, body?: unknown): Promise<Response> {
    try {
      return await this.#post(path, body, (await this.ensureSession()).accessToken);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !this.session) throw error;
      this.#save({ ...this.session, expiresAt: 0 });
      return this.#post(path, body, (await this.ensureSession()).accessToken);
    }
  }

  /**
   * Asks for a person in the session's conversation (`POST /api/conversations/:id/handoff`); returns the handoff's
   * state. The conversation's events tell the rest (queue position, who joined).
   */
  async requestHandoff(options: { reason?: string; locale: string }): Promise<string> {
    const id = this.session?.conversationId;
    if (!id) throw new ApiError(404, 'conversation_not_found', 'no conversation yet');
    const response = await this.#authorizedPost(`/api/conversations/${encodeURIComponent(id)}/handoff`, {
      ...(options.reason ? { reason: options.reason } : {}),
      locale: options.locale,
    });
    return ((await response.json()) as { state: string }).state;
  }

  /** Tells the person holding the conversation that the shopper is typing; errors are ignored. */
  async typing(): Promise<void> {
    const id = this.session?.conversationId;
    if (!id) return;
    await this.#authorizedPost(`/api/conversations/${encodeURIComponent(id)}/typing`).catch(() => undefined);
  }

  /** Rates a resolved or closed conversation (1 to 5); 409 `already_rated` or `not_resolved` when refused. */
  async rate(conversationId: string, score: number, comment?: string): Promise<void> {
    await this.#authorizedPost(`/api/conversations/${encodeURIComponent(conversationId)}/rating`, {
      score,
      ...(comment ? { comment } : {}),
    });
  }

  /** Leaves a message for the team when nobody can take the chat (`POST /api/desk/offline-messages`). */
  async leaveMessage(options: {
    conversationId?: string;
    email: string;
    text: string;
    locale: string;
  }): Promise<string> {
    const response = await this.#authorizedPost('/api/desk/offline-messages', options);
    return ((await response.json()) as { id: string }).id;
  }

  /** The stored messages of the session's conversation; empty when there is none. */
  async history(): Promise<HistoryMessage[]> {
    const session = this.session;
    if (!session?.conversationId) return [];
    let response: Response;
    try {
      response = await fetch(
        `${this.#base}/api/conversations/${encodeURIComponent(session.conversationId)}/messages`,
        {
          headers: { authorization: `Bearer ${(await this.ensureSession()).accessToken}` },
        },
      );
    } catch {
      throw await this.#noAnswer();
    }
    this.#seen(response);
    if (response.status === 404 || response.status === 401) {
      // Another subject's conversation, or an expired one: start afresh.
      this.setConversation(undefined);
      return [];
    }
    if (!response.ok) throw await errorFrom(response);
    return ((await response.json()) as HistoryResponse).messages;
  }

  /**
   * Sends a message and yields the reply's events as they stream in. Throws an {@link ApiError} when the
   * orchestrator refuses it (429 carries `retryAfterSec`); a stream that breaks off throws a `network` error.
   */
  async *send(options: {
    text: string;
    /** The page's language, or the shopper's choice when `localeForced`. */
    locale: string;
    /** The shopper chose `locale` with the switch: the reply is in it whatever the message's language. */
    localeForced?: boolean;
    signal?: AbortSignal;
  }): AsyncGenerator<ChatEvent> {
    let response = await this.#sendOnce(options);
    if (response.status === 401) {
      // The token expired between checks: one retry with a fresh session.
      this.#save(this.session ? { ...this.session, expiresAt: 0 } : undefined);
      response = await this.#sendOnce(options);
    }
    if (response.status === 404) this.setConversation(undefined);
    if (!response.ok || !response.body) throw await errorFrom(response);
    try {
      for await (const event of readEvents(response.body)) {
        const chatEvent = event as ChatEvent;
        if (chatEvent.event === 'conversation') this.setConversation(chatEvent.data.conversationId);
        yield chatEvent;
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, 'network', 'the stream broke off');
    }
  }

  /**
   * Opens the event stream of a conversation (`GET /api/conversations/:id/events`) after event `after`. The
   * position goes in `?after=` rather than a `Last-Event-ID` header: same meaning to the orchestrator, and no
   * header a cross-origin page would have to be allowed to send. Throws an {@link ApiError}: 404 when the
   * conversation is not this session's (or no longer exists), `network` when unreachable.
   */
  async openEvents(options: {
    conversationId: string;
    after: number;
    signal: AbortSignal;
  }): Promise<ReadableStream<Uint8Array>> {
    const url = `${this.#base}/api/conversations/${encodeURIComponent(options.conversationId)}/events?after=${options.after}`;
    const open = async () => {
      const session = await this.ensureSession();
      try {
        return await fetch(url, {
          headers: { accept: 'text/event-stream', authorization: `Bearer ${session.accessToken}` },
          cache: 'no-store',
          signal: options.signal,
        });
      } catch (error) {
        if (options.signal.aborted) throw error;
        throw new ApiError(0, 'network', 'network error');
      }
    };
    let response = await open();
    if (response.status === 401 && this.session) {
      // The token expired between checks: one retry with a fresh one.
      this.#save({ ...this.session, expiresAt: 0 });
      response = await open();
    }
    if (!response.ok || !response.body) throw await errorFrom(response);
    return response.body;
  }

  async #sendOnce(options: {
    text: string;
    locale: string;
    localeForced?: boolean;
    signal?: AbortSignal;
  }): Promise<Response> {
    const session = await this.ensureSession();
    try {
      const response = await fetch(`${this.#base}/api/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({
          text: options.text,
          locale: options.locale,
          ...(options.localeForced ? { localeForced: true } : {}),
          ...(session.conversationId ? { conversationId: session.conversationId } : {}),
        }),
        signal: options.signal,
      });
      return this.#seen(response);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw await this.#noAnswer();
    }
  }
}

interface LoginResponse {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: User;
}

function fromLogin(body: LoginResponse): Session {
  return {
    accessToken: body.accessToken,
    expiresAt: Date.now() + body.expiresIn * 1000,
    role: body.user.role,
    refreshToken: body.refreshToken,
    user: body.user,
  };
}
