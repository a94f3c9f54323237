import type {
  CannedReply,
  DeskConversation,
  OfflineTicket,
  OperatorResult,
  OperatorStatus,
} from '../../../agents/desk/protocol.js';
import type { ApiErrorBody, OrderView } from '../../../orchestrator/chat/contract.js';
import type { ApiFetch } from '../console/section.js';
import { ApiError } from '../widget/api.js';

export { ApiError };

/** One conversation as `GET /api/desk/conversations/:id` answers it. */
export type DeskDetail = Omit<Extract<OperatorResult, { kind: 'conversation' }>, 'kind'>;

/** What `GET /api/desk/conversations/:id/context` says about the shopper. */
export interface ShopperContext {
  shopper: { subject: string; role: string };
  orders: OrderView[] | null;
}

/** Which list of conversations. */
export type DeskList = 'waiting' | 'mine' | 'all';

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
 * The operators' client of the orchestrator's desk API, over the console's authorized fetch (which holds the
 * session, renews the token and signs out on a 401 it cannot fix). Failures throw {@link ApiError} with the
 * server's code (`network` when the server could not be reached).
 */
export class DeskApi {
  readonly #api: ApiFetch;

  constructor(api: ApiFetch) {
    this.#api = api;
  }

  async #authorized(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await this.#api(path, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, 'network', 'network error');
    }
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
