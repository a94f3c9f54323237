import type {
  CannedReply,
  DeskConversation,
  OfflineTicket,
  OperatorResult,
  OperatorStatus,
} from '../../../agents/desk/protocol.js';
import type { ApiErrorBody, OrderView } from '../../../orchestrator/chat/contract.js';
import { ApiError } from '../widget/api.js';

export { ApiError };

/** A signed-in operator or admin. */
export interface Staff {
  id: string;
  name: string;
  role: string;
  token: string;
  expiresAt: number;
  refreshToken?: string;
}

/** One conversation as `GET /api/desk/conversations/:id` answers it. */
export type DeskDetail = Omit<Extract<OperatorResult, { kind: 'conversation' }>, 'kind'>;

/** What `GET /api/desk/conversations/:id/context` says about the shopper. */
export interface ShopperContext {
  shopper: { subject: string; role: string };
  orders: OrderView[] | null;
}

/** Which list of conversations. */
export type DeskList = 'waiting' | 'mine' | 'all';

const STAFF_ROLES = new Set(['operator', 'admin']);
const SESSION_KEY = 'atende.operator-session';

interface LoginBody {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
  user: { id: string; displayName: string; role: string };
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: the status alone
  }
  return new ApiError(response.status, body.code ?? `http_${response.status}`, body.message ?? '');
}

/**
 * The operators' client of the orchestrator's desk API. The session lives in sessionStorage (it ends with the tab);
 * an expired access token is renewed once with the refresh token, and `onSignedOut` is told when that fails.
 */
export class DeskApi {
  staff: Staff | undefined;
  readonly #base: string;
  readonly #storage: Storage | undefined;
  readonly #onSignedOut: () => void;

  constructor(options: { baseUrl?: string; storage?: Storage; onSignedOut?: () => void } = {}) {
    this.#base = (options.baseUrl ?? '').replace(/\/$/, '');
    this.#storage = options.storage;
    this.#onSignedOut = options.onSignedOut ?? (() => {});
    try {
      const raw = this.#storage?.getItem(SESSION_KEY);
      const staff = raw ? (JSON.parse(raw) as Staff) : undefined;
      if (staff?.token && (staff.expiresAt > Date.now() || staff.refreshToken)) this.staff = staff;
    } catch {
      // no stored session
    }
  }

  #save(staff: Staff | undefined) {
    this.staff = staff;
    try {
      if (staff) this.#storage?.setItem(SESSION_KEY, JSON.stringify(staff));
      else this.#storage?.removeItem(SESSION_KEY);
    } catch {
      // storage blocked: the session lasts as long as the page
    }
  }

  static #fromLogin(body: LoginBody): Staff {
    return {
      id: body.user.id,
      name: body.user.displayName,
      role: body.user.role,
      token: body.accessToken,
      expiresAt: Date.now() + body.expiresIn * 1000,
      refreshToken: body.refreshToken,
    };
  }

  async #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, 'network', 'network error');
    }
  }

  /** Signs in; refuses (403 `forbidden`) an account that is neither operator nor admin. */
  async login(email: string, password: string): Promise<Staff> {
    const response = await this.#fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw await errorFrom(response);
    const body = (await response.json()) as LoginBody;
    if (!STAFF_ROLES.has(body.user.role)) throw new ApiError(403, 'forbidden', body.user.displayName);
    const staff = DeskApi.#fromLogin(body);
    this.#save(staff);
    return staff;
  }

  /** Forgets the session and revokes its refresh token. */
  async logout(): Promise<void> {
    const refreshToken = this.staff?.refreshToken;
    this.#save(undefined);
    if (refreshToken) {
      await this.#fetch('/api/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      }).catch(() => undefined);
    }
  }

  async #token(force = false): Promise<string> {
    const staff = this.staff;
    if (!staff) throw new ApiError(401, 'unauthorized', 'not signed in');
    if (!force && staff.expiresAt - Date.now() > 30_000) return staff.token;
    if (!staff.refreshToken) return staff.token;
    const response = await this.#fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: staff.refreshToken }),
    });
    if (!response.ok) {
      if (response.status === 401 || response.status === 400) this.#signedOut();
      throw await errorFrom(response);
    }
    const renewed = DeskApi.#fromLogin((await response.json()) as LoginBody);
    this.#save(renewed);
    return renewed.token;
  }

  #signedOut() {
    this.#save(undefined);
    this.#onSignedOut();
  }

  /** A request with the operator's token, retried once with a renewed one after a 401. */
  async #authorized(path: string, init: RequestInit = {}): Promise<Response> {
    const send = async (token: string) =>
      this.#fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    let response = await send(await this.#token());
    if (response.status === 401 && this.staff?.refreshToken) response = await send(await this.#token(true));
    if (response.status === 401) this.#signedOut();
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#authorized(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async list(state: DeskList): Promise<DeskConversation[]> {
    return (
      await this.#json<{ conversations: DeskConversation[] }>('GET', `/api/desk/conversations?state=${state}`)
    ).conversations;
  }

  detail(id: string): Promise<DeskDetail> {
    return this.#json('GET', `/api/desk/conversations/${encodeURIComponent(id)}`);
  }

  context(id: string): Promise<ShopperContext> {
    return this.#json('GET', `/api/desk/conversations/${encodeURIComponent(id)}/context`);
  }

  claim(id: string): Promise<{ conversation: DeskConversation }> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/claim`);
  }

  send(id: string, text: string, internal: boolean): Promise<unknown> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/messages`, {
      text,
      internal,
    });
  }

  typing(id: string): Promise<void> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/typing`);
  }

  transfer(id: string, operatorId: string): Promise<unknown> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/transfer`, { operatorId });
  }

  returnToBot(id: string): Promise<unknown> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/return-to-bot`);
  }

  resolve(id: string): Promise<unknown> {
    return this.#json('POST', `/api/desk/conversations/${encodeURIComponent(id)}/resolve`);
  }

  presence(status: 'online' | 'away'): Promise<unknown> {
    return this.#json('PUT', '/api/desk/presence', { status });
  }

  async operators(): Promise<OperatorStatus[]> {
    return (await this.#json<{ operators: OperatorStatus[] }>('GET', '/api/desk/operators')).operators;
  }

  async tickets(): Promise<OfflineTicket[]> {
    return (await this.#json<{ tickets: OfflineTicket[] }>('GET', '/api/desk/offline-messages')).tickets;
  }

  async cannedReplies(query: string): Promise<CannedReply[]> {
    return (
      await this.#json<{ replies: CannedReply[] }>(
        'GET',
        `/api/desk/canned-replies?q=${encodeURIComponent(query)}`,
      )
    ).replies;
  }

  /** The desk's live queue (`GET /api/desk/events`): SSE with `queue` events. */
  async openQueue(signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#authorized('/api/desk/events', {
      headers: { accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (!response.body) throw new ApiError(0, 'network', 'no body');
    return response.body;
  }

  /** A handed-off conversation's events (`GET /api/conversations/:id/events`), after event `after`. */
  async openConversation(
    id: string,
    after: number,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#authorized(
      `/api/conversations/${encodeURIComponent(id)}/events?after=${after}`,
      { headers: { accept: 'text/event-stream' }, cache: 'no-store', signal },
    );
    if (!response.body) throw new ApiError(0, 'network', 'no body');
    return response.body;
  }
}
