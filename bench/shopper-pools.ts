// The light load generator's connections: one undici `Client` (one keep-alive connection) per simulated source
// address (127.0.x.y), leased to one shopper at a time and kept alive across shoppers, TLS sessions resumed across
// every address, one TLS context for all, and requests sent with `dispatch` (no WHATWG Request/Response/streams)
// while the reply is read by byte scanning (sse-scanner.ts).
import { type ConnectionOptions, createSecureContext, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Client, type Dispatcher } from 'undici';
import { SseScanner } from './sse-scanner.js';

/** What one chat message came to, as the shopper saw it. */
export interface ChatOutcome {
  /** The conversation, from the reply's `conversation` event (also when the shopper gave up afterwards). */
  conversationId: string | undefined;
  /** ms from sending to the first agent text, and to the reply's `done` (or its end); undefined if none came. */
  firstDeltaMs: number | undefined;
  fullMs: number | undefined;
  /** `http_<status>` or the code of an `error` event. */
  error: string | undefined;
  /** The shopper's patience ran out before any agent text, and they aborted the request. */
  abandoned: boolean;
  /** The request failed for another reason than the shopper's abort (the error's name). */
  failure: string | undefined;
}

/** One source address's connection, leased to a shopper: their messages and the closing of their chat. */
export interface ShopperLine {
  /** Sends `body` (the JSON of the chat message) as `token`; aborts if no agent text came within `patienceMs`. */
  chat(token: string, body: string, patienceMs: number): Promise<ChatOutcome>;
  /** `POST /api/conversations/:id/close`, the reply read and dropped; never rejects. */
  close(token: string, conversationId: string): Promise<void>;
  /** Hands the address back; the line must not be used after. */
  release(): void;
}

/** Counts of the TLS handshakes made so far: all of them, and those that resumed an earlier session. */
export interface HandshakeCounts {
  handshakes: number;
  resumed: number;
}

const ABANDONED = Object.assign(new Error('the shopper ran out of patience'), { name: 'AbortError' });

/**
 * `count` lines to `origin` (e.g. `https://127.0.0.1:PORT`), line i bound to source address 127.0.(2 + i div
 * 250).(1 + i mod 250), each leased to one shopper at a time: a shopper's request never queues behind another's on
 * the same connection (only past `count` shoppers at once are addresses shared, in turn). `lease()` hands out the
 * address released most recently but at least `cooldownMs` ago — its connection is the likeliest to be still open,
 * and an address serves at most one shopper (≤ 3 messages) per `cooldownMs` plus that shopper's time, which keeps
 * it under the orchestrator's per-address guest allowance (30 messages a minute) — else the one released longest
 * ago. Certificates are checked against `ca` for `servername`. The newest TLS session ticket any connection got is
 * offered by the next connection, whatever its address, so after the first handshakes new connections resume.
 */
export function createShopperPools(options: {
  origin: string;
  ca: string | Buffer | Array<string | Buffer>;
  servername?: string;
  count?: number;
  /** How long an idle connection is kept (ms); the orchestrator keeps its side 65 s. */
  keepAliveMs?: number;
  /** How long a released address rests before it is preferred again (ms, default 6000). */
  cooldownMs?: number;
}) {
  const servername = options.servername ?? 'localhost';
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  const counts: HandshakeCounts = { handshakes: 0, resumed: 0 };
  let session: Buffer | undefined;
  // One context for every connection: without it each tls.connect builds its own and parses the CA again, which
  // cost more CPU than everything else the client does.
  const secureContext = createSecureContext({ ca: options.ca });

  const connect = (
    target: { hostname: string; port: string; localAddress?: string | null },
    callback: (error: Error | null, socket: TLSSocket | null) => void,
  ) => {
    let pending: typeof callback | undefined = callback;
    const socket = tlsConnect({
      host: target.hostname,
      port: Number(target.port),
      servername,
      secureContext,
      session,
      // Passed on to net.connect at run time, though tls.ConnectionOptions does not declare it.
      localAddress: target.localAddress ?? undefined,
      ALPNProtocols: ['http/1.1'],
    } as ConnectionOptions);
    socket.setNoDelay(true);
    socket.on('session', (ticket: Buffer) => {
      session = ticket;
    });
    socket.once('secureConnect', () => {
      counts.handshakes++;
      if (socket.isSessionReused()) counts.resumed++;
      pending?.(null, socket);
      pending = undefined;
    });
    socket.once('error', (error) => {
      pending?.(error, null);
      pending = undefined;
    });
    return socket;
  };

  const count = options.count ?? 500;
  const clients = Array.from(
    { length: count },
    (_, i) =>
      new Client(options.origin, {
        connect: connect as never,
        localAddress: `127.0.${2 + Math.floor(i / 250)}.${1 + (i % 250)}`,
        keepAliveTimeout: keepAliveMs,
        keepAliveMaxTimeout: keepAliveMs,
      }),
  );
  const cooldownMs = options.cooldownMs ?? 6_000;
  // The free addresses, in the order they were released (never used ones first), and when each was released.
  const free = Array.from({ length: count }, (_, i) => i);
  const releasedAt = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
  let overflow = 0;
  const lines = clients.map((client, i) => {
    let leased = 0;
    return {
      chat: (token: string, body: string, patienceMs: number) => chat(client, token, body, patienceMs),
      close: (token: string, conversationId: string) => close(client, token, conversationId),
      lease() {
        leased++;
        return this;
      },
      release() {
        // A shared address goes back to the ring when its last shopper is done.
        if (--leased === 0) {
          releasedAt[i] = performance.now();
          free.push(i);
        }
      },
    };
  });
  return {
    /** A source address no other shopper holds, until `release()`. */
    lease(): ShopperLine {
      if (free.length === 0) return (lines[overflow++ % count] as (typeof lines)[number]).lease();
      // The last address of `free` released at least `cooldownMs` ago (binary search: `free` is in release order).
      const rested = performance.now() - cooldownMs;
      let lo = 0;
      let hi = free.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((releasedAt[free[mid] as number] as number) <= rested) lo = mid + 1;
        else hi = mid;
      }
      const [i] = free.splice(Math.max(lo - 1, 0), 1) as [number];
      return (lines[i] as (typeof lines)[number]).lease();
    },
    handshakes: (): HandshakeCounts => ({ ...counts }),
    close: () => Promise.all(clients.map((c) => c.destroy())).then(() => undefined),
  };
}

/** `POST /api/conversations/:id/close` on `client`; resolves when its reply has been read (or failed). */
function close(client: Client, token: string, conversationId: string): Promise<void> {
  return new Promise((resolve) => {
    client.dispatch(
      {
        path: `/api/conversations/${conversationId}/close`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      },
      {
        // undici reads a handler as one of its new kind only when it has onRequestStart.
        onRequestStart: () => undefined,
        onResponseEnd: () => resolve(),
        onResponseError: () => resolve(),
      },
    );
  });
}

/** One chat message: its SSE reply scanned as it arrives; the request aborted when patience runs out first. */
function chat(client: Client, token: string, body: string, patienceMs: number): Promise<ChatOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const scanner = new SseScanner();
    const out: ChatOutcome = {
      conversationId: undefined,
      firstDeltaMs: undefined,
      fullMs: undefined,
      error: undefined,
      abandoned: false,
      failure: undefined,
    };
    let status = 0;
    let controller: Dispatcher.DispatchController | undefined;
    const patience = setTimeout(() => {
      out.abandoned = true;
      controller?.abort(ABANDONED);
    }, patienceMs);
    const settle = () => {
      clearTimeout(patience);
      out.conversationId = scanner.conversationId;
      if (scanner.errorCode !== undefined && out.error === undefined) out.error = scanner.errorCode;
      resolve(out);
    };
    client.dispatch(
      {
        path: '/api/chat/messages',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      },
      {
        onRequestStart(c) {
          controller = c;
          // Patience can run out while the request still waits for a connection.
          if (out.abandoned) c.abort(ABANDONED);
        },
        onResponseStart(_c, statusCode) {
          status = statusCode;
          if (status !== 200) out.error = `http_${status}`;
        },
        onResponseData(_c, chunk) {
          if (status !== 200) return;
          if (scanner.push(chunk)) {
            out.firstDeltaMs = performance.now() - started;
            clearTimeout(patience);
          }
          if (scanner.done && out.fullMs === undefined) out.fullMs = performance.now() - started;
        },
        onResponseEnd() {
          if (status === 200 && out.fullMs === undefined) out.fullMs = performance.now() - started;
          settle();
        },
        onResponseError(_c, error) {
          // Only a shopper who got no agent text gives up; any other failure is an error of the step.
          if (!out.abandoned || out.firstDeltaMs !== undefined) {
            out.abandoned = false;
            out.failure = error.name || 'fetch_failed';
          }
          settle();
        },
      },
    );
  });
}
