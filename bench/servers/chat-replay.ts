// A stand-in for the orchestrator's chat API, to measure the load generator alone (bench/generator-cpu.ts) and to
// test its client (bench/shopper-pools.test.ts): HTTPS with the orchestrator's certificate, keep-alive 65 s as the
// orchestrator has it, and replies in the wire form of `POST /api/chat/messages` written by the orchestrator's own
// SSE formatter — a `conversation` event, the answer's text after `firstDeltaMs`, a tone annotation, a last
// `delta`, then `done`. Run directly, it prints `ready <port>` (certificates from BENCH_CERTS_DIR).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { formatSse } from '../../orchestrator/chat/sse-writer.js';

const ANSWER =
  'O prazo de entrega é de 3 a 5 dias úteis para capitais e de 5 a 9 dias úteis para o interior, contados a partir da confirmação do pagamento. Você recebe o código de rastreio por e-mail assim que o pedido sai do nosso centro de distribuição.';

/** How the stand-in answers; every field has a default that looks like a bot's reply on the real mesh. */
export interface ChatReplayOptions {
  cert: string | Buffer;
  key: string | Buffer;
  port?: number;
  /** ms before the answer's first text (default 40). */
  firstDeltaMs?: number;
  /** ms from the first text to `done` (default 60). */
  restMs?: number;
  /** Status for chat messages instead of a reply (e.g. 429), for tests. */
  status?: number;
  /** Never send the answer (the shopper's patience runs out), for tests. */
  silent?: boolean;
}

/** A running stand-in: its port, the source addresses of the connections it accepted, and how to stop it. */
export interface ChatReplay {
  port: number;
  url: string;
  /** `remoteAddress` of each TLS connection accepted, in order. */
  connections: string[];
  /** `remoteAddress` of each chat message received, in order. */
  messages: string[];
  close(): Promise<void>;
}

/** Starts the stand-in on `127.0.0.1`. */
export function startChatReplay(options: ChatReplayOptions): Promise<ChatReplay> {
  const firstDeltaMs = options.firstDeltaMs ?? 40;
  const restMs = options.restMs ?? 60;
  const connections: string[] = [];
  const messages: string[] = [];
  const server = createServer(
    { cert: options.cert, key: options.key, keepAliveTimeout: 65_000 },
    (req, res) => void handle(req, res),
  );
  server.on('secureConnection', (socket) => connections.push(socket.remoteAddress ?? ''));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    if (req.method === 'POST' && req.url === '/api/auth/login') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accessToken: 'stand-in-token' }));
      return;
    }
    if (req.method === 'POST' && /^\/api\/conversations\/[^/]+\/close$/.test(req.url ?? '')) {
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'POST' && req.url === '/api/chat/messages')
      messages.push(req.socket.remoteAddress ?? '');
    if (req.method !== 'POST' || req.url !== '/api/chat/messages') {
      res.writeHead(404);
      res.end();
      return;
    }
    if (options.status) {
      res.writeHead(options.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'rate_limited', message: 'slow down' }));
      return;
    }
    const { conversationId = randomUUID() } = JSON.parse(Buffer.concat(body).toString()) as {
      conversationId?: string;
    };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    const send = (event: string, data: unknown) => {
      if (!gone) res.write(formatSse({ event, data: JSON.stringify(data) }));
    };
    send('conversation', { conversationId, messageId: randomUUID() });
    if (options.silent) return; // held open until the client gives up
    await sleep(firstDeltaMs);
    send('delta', { agent: 'assistant', text: ANSWER });
    send('annotation', { kind: 'tone', agent: 'sentiment', label: 'neutral', score: 0.1 });
    await sleep(restMs);
    send('delta', { agent: 'assistant', text: ' Posso ajudar em mais alguma coisa?' });
    send('done', { messageId: randomUUID(), firstTokenMs: firstDeltaMs });
    if (!gone) res.end();
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `https://localhost:${port}`,
        connections,
        messages,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loadTlsMaterial } = await import('../../certs/certs.js');
  const dir = process.env.BENCH_CERTS_DIR;
  if (!dir) throw new Error('usage: BENCH_CERTS_DIR=… tsx bench/servers/chat-replay.ts');
  const tls = await loadTlsMaterial(dir, 'orchestrator');
  const replay = await startChatReplay({ cert: tls.cert, key: tls.key });
  console.log(`ready ${replay.port}`);
}
