import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { createMtlsFetch } from '../agents/runtime/mtls-fetch.js';
import { loadTlsMaterial } from '../certs/certs.js';
import { createAccessTokens } from '../orchestrator/auth/access-tokens.js';
import { createServiceTokenMinter } from '../orchestrator/mesh/service-tokens.js';
import { readEvents } from '../orchestrator/testing/harness.js';
import { DEMO_PASSWORD, type Mesh } from './mesh.js';
import { cpuMs, quantile } from './processes.js';
import { SHOPPER_QUESTIONS } from './questions.js';
import { type ChatOutcome, createShopperPools, type HandshakeCounts } from './shopper-pools.js';

const ISSUER = 'atende-orchestrator';

/** Tokens the simulated shoppers use: guests minted like `POST /api/auth/guest`, demo customers signed in once. */
async function shopperTokens(mesh: Mesh) {
  const accessTokens = createAccessTokens({ keys: mesh.keys, issuer: ISSUER, guestTtlSec: 3600 });
  const login = async (email: string) => {
    const response = await mesh.web.fetch(`${mesh.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    if (!response.ok) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };
  // Guest tokens minted ahead of a step (`stockGuests`), so that the RS256 signing — the orchestrator's work in
  // production, at `POST /api/auth/guest` — is not counted as the load generator's CPU nor competes with the mesh.
  const stock: Array<{ token: string; at: number }> = [];
  const mint = async () => (await accessTokens.issueGuest()).token;
  return {
    // Minted locally with the orchestrator's own key: the guest endpoint allows 30 a minute per IP, and every
    // simulated shopper comes from 127.0.0.1.
    /** A guest token from the stock, else minted now. */
    guest: async () => stock.pop()?.token ?? (await mint()),
    /** A guest token minted now (the legacy generator's way, inside the step). */
    mintGuest: mint,
    /** Tops the stock up to `count` tokens, dropping those older than half the tokens' hour. */
    async stockGuests(count: number) {
      const stale = Date.now() - 1_800_000;
      while (stock.length && (stock[0]?.at ?? 0) < stale) stock.shift();
      while (stock.length < count) stock.push({ token: await mint(), at: Date.now() });
    },
    customer: await login('customer@atende.dev'),
    premium: await login('premium@atende.dev'),
  };
}

/**
 * One chat message through the orchestrator (the legacy generator's client: undici `fetch`, every event
 * JSON-parsed): time to the first `delta` and to `done`. `seen` learns the conversation id as soon as it comes, so a
 * shopper who aborts still knows which chat to close.
 */
async function chat(
  mesh: Mesh & { via?: typeof fetch },
  token: string,
  text: string,
  locale: string,
  conversationId: string | undefined,
  signal?: AbortSignal,
  onFirstDelta?: () => void,
  seen?: { conversationId?: string },
) {
  const started = performance.now();
  const out = {
    conversationId,
    firstDeltaMs: undefined as number | undefined,
    fullMs: undefined as number | undefined,
    error: undefined as string | undefined,
  };
  const response = await (mesh.via ?? mesh.web.fetch)(`${mesh.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, locale, ...(conversationId ? { conversationId } : {}) }),
    signal,
  });
  if (response.status !== 200) {
    out.error = `http_${response.status}`;
    await response.body?.cancel();
    return out;
  }
  await readEvents(response, (event, data) => {
    if (event === 'conversation') {
      out.conversationId = data.conversationId;
      if (seen) seen.conversationId = data.conversationId;
    } else if (event === 'delta' && out.firstDeltaMs === undefined && data.agent !== 'orchestrator') {
      out.firstDeltaMs = performance.now() - started;
      onFirstDelta?.();
    } else if (event === 'error') out.error = data.code;
    return undefined;
  });
  out.fullMs = performance.now() - started;
  return out;
}

/** (b) A chat message through the orchestrator against a direct A2A SendStreamingMessage to the assistant. */
export async function benchOverhead(options: { mesh: Mesh; certsDir: string; samples: number }) {
  const { mesh, certsDir, samples } = options;
  const tokens = await shopperTokens(mesh);
  const mtls = createMtlsFetch({ tls: await loadTlsMaterial(certsDir, 'orchestrator'), connections: 4 });
  const rpcUrl = `${mesh.agentUrls.assistant}/a2a`;
  const serviceToken = await createServiceTokenMinter({ keys: mesh.keys, issuer: ISSUER, ttlSec: 600 }).mint({
    audience: rpcUrl,
    subject: 'bench',
    role: 'guest',
    skill: 'faq-answer',
    scopes: ['assistant:faq'],
    correlationId: 'bench',
  });
  const direct = async (text: string, locale: string) => {
    const started = performance.now();
    let firstDeltaMs: number | undefined;
    const response = await mtls.fetch(rpcUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'a2a-version': '1.0',
        authorization: `Bearer ${serviceToken}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendStreamingMessage',
        params: {
          message: {
            messageId: crypto.randomUUID(),
            contextId: crypto.randomUUID(),
            role: 'ROLE_USER',
            parts: [{ text, mediaType: 'text/plain' }],
            metadata: { locale, skill: 'faq-answer' },
          },
          configuration: {},
          metadata: { skill: 'faq-answer' },
        },
      }),
    });
    await readEvents(response, (_event, data) => {
      const artifact = data?.result?.artifactUpdate?.artifact;
      if (firstDeltaMs === undefined && artifact?.artifactId === 'answer') {
        firstDeltaMs = performance.now() - started;
      }
      return undefined;
    });
    return { firstDeltaMs, fullMs: performance.now() - started };
  };

  const through = { first: [] as number[], full: [] as number[] };
  const straight = { first: [] as number[], full: [] as number[] };
  const guest = await tokens.guest();
  const questions = SHOPPER_QUESTIONS.filter((q) => !q.signedIn);
  // Warm-up both paths (connections, JIT), then alternate one by one.
  for (let i = 0; i < 5; i++) {
    await chat(mesh, guest, questions[i]!.text, questions[i]!.locale, undefined);
    await direct(questions[i]!.text, questions[i]!.locale);
  }
  for (let i = 0; i < samples; i++) {
    const q = questions[i % questions.length]!;
    const a = await chat(mesh, guest, q.text, q.locale, undefined);
    // Only replies with agent text count, for both figures: a guest's order question is answered by the
    // orchestrator itself ("sign in first") in a few ms, which would make full replies look faster than first words.
    if (a.firstDeltaMs !== undefined && a.fullMs !== undefined) {
      through.first.push(a.firstDeltaMs);
      through.full.push(a.fullMs);
    }
    const b = await direct(q.text, q.locale);
    if (b.firstDeltaMs !== undefined) straight.first.push(b.firstDeltaMs);
    straight.full.push(b.fullMs);
  }
  await mtls.close();
  const stats = (v: number[]) => ({ p50: quantile(v, 0.5), p99: quantile(v, 0.99), n: v.length });
  return {
    samples,
    orchestrator: { firstDelta: stats(through.first), full: stats(through.full) },
    direct: { firstDelta: stats(straight.first), full: stats(straight.full) },
  };
}

/** A shopper's patience before the first answer text: log-normal, median 4 s, clipped to 1–20 s. */
function patienceMs(): number {
  const normal = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return Math.min(20_000, Math.max(1_000, 4_000 * Math.exp(0.6 * normal)));
}

/** Which client the simulated shoppers use: `light` (the default) or `legacy` (the former one, for comparison). */
export type Generator = 'legacy' | 'light';
export const GENERATORS: readonly Generator[] = ['light', 'legacy'];

type Question = (typeof SHOPPER_QUESTIONS)[number];

/** What a simulated shopper needs of a client: ask a question (with their patience), close the chat, leave. */
interface ShopperClient {
  ask(
    token: string,
    q: Question,
    conversationId: string | undefined,
    patienceMs: number,
  ): Promise<ChatOutcome>;
  close(token: string, conversationId: string): Promise<void>;
  /** The shopper is done with the client. */
  release(): void;
}

/**
 * The former client, kept to measure against: undici `fetch` through an `Agent` per source address with a TLS
 * connector of its own (no session resumption), every SSE event decoded and JSON-parsed, an `AbortController` per
 * message, and chats closed through the bench's own `fetch`.
 */
async function legacyClients(mesh: Mesh): Promise<() => ShopperClient> {
  const from = await sourceAddresses(mesh);
  return () => {
    const via = { ...mesh, url: from.url, via: from.next() };
    return {
      async ask(token, q, conversationId, patienceMs) {
        const patience = new AbortController();
        let gotText = false;
        const timer = setTimeout(() => {
          if (!gotText) patience.abort();
        }, patienceMs);
        const seen: { conversationId?: string } = {};
        try {
          const r = await chat(
            via,
            token,
            q.text,
            q.locale,
            conversationId,
            patience.signal,
            () => {
              gotText = true;
              clearTimeout(timer);
            },
            seen,
          );
          return {
            ...r,
            abandoned: patience.signal.aborted && r.firstDeltaMs === undefined,
            failure: undefined,
          };
        } catch (error) {
          const abandoned = patience.signal.aborted;
          return {
            conversationId: seen.conversationId ?? conversationId,
            firstDeltaMs: undefined,
            fullMs: undefined,
            error: undefined,
            abandoned,
            failure: abandoned ? undefined : (error as Error).name || 'fetch_failed',
          };
        } finally {
          clearTimeout(timer);
        }
      },
      close: (token, conversationId) =>
        mesh.web
          .fetch(`${mesh.url}/api/conversations/${conversationId}/close`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          })
          .then((r) => r.body?.cancel())
          .catch(() => undefined),
      release: () => undefined,
    };
  };
}

const lightPools = new WeakMap<Mesh, ReturnType<typeof createShopperPools>>();
// Each question's JSON without its closing brace, serialised once: a message adds the conversation id, if any.
const questionJson = new WeakMap<Question, string>();

/** The light client: see bench/shopper-pools.ts. Its connections live as long as the mesh. */
async function lightClients(
  mesh: Mesh,
): Promise<{ next: () => ShopperClient; handshakes(): HandshakeCounts }> {
  let pools = lightPools.get(mesh);
  if (!pools) {
    const { ca } = await loadTlsMaterial(mesh.certsDir, 'orchestrator');
    pools = createShopperPools({ origin: mesh.url.replace('//localhost:', '//127.0.0.1:'), ca });
    lightPools.set(mesh, pools);
  }
  const { lease, handshakes } = pools;
  const body = (q: Question, conversationId: string | undefined) => {
    let json = questionJson.get(q);
    if (json === undefined) {
      json = `{"text":${JSON.stringify(q.text)},"locale":${JSON.stringify(q.locale)}`;
      questionJson.set(q, json);
    }
    return conversationId ? `${json},"conversationId":${JSON.stringify(conversationId)}}` : `${json}}`;
  };
  return {
    next: () => {
      const line = lease();
      return {
        ask: (token, q, conversationId, patienceMs) => line.chat(token, body(q, conversationId), patienceMs),
        close: (token, conversationId) => line.close(token, conversationId),
        release: () => line.release(),
      };
    },
    handshakes,
  };
}

/** Results of one step of the shopper simulation. */
export interface StepResult {
  rate: number;
  /** The client the shoppers used. */
  generator: Generator;
  startedAt: string;
  endedAt: string;
  shoppers: number;
  messages: number;
  messagesPerSec: number;
  peakConcurrentShoppers: number;
  firstDeltaMs: { p50: number; p95: number; p99: number };
  fullReplyMs: { p50: number; p95: number };
  abandonedShoppers: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** CPU (user+sys) of each server process during the step ÷ messages sent. */
  cpuMsPerMessage: Record<string, number>;
  /** The load generator's own CPU (this process, `process.cpuUsage()`) during the step ÷ messages sent. */
  generatorCpuMsPerMessage: number;
  /** The light client's TLS handshakes during the step, and how many resumed a session (legacy: not counted). */
  generatorHandshakes?: HandshakeCounts;
}

/**
 * (c)/(d) Shoppers arriving as a Poisson process at `rate` per second for `durationSec`: 70 % guests, 20 %
 * customers, 10 % premium. Each asks a question; if no answer text arrives within their patience they abort and
 * close the chat (abandonment); otherwise they read (0.3–1.2 s) and ask a follow-up with probability 0.3 (at most
 * 3 messages), then close. The step waits for every shopper it started, and measures CPU per process, the load
 * generator's own included.
 */
export async function runStep(options: {
  mesh: Mesh;
  rate: number;
  durationSec: number;
  tokens?: Awaited<ReturnType<typeof shopperTokens>>;
  /** The questions asked; all of `bench/questions.ts` by default. */
  questions?: typeof SHOPPER_QUESTIONS;
  /** The shoppers' client; `light` by default. */
  generator?: Generator;
}): Promise<StepResult> {
  const { mesh, rate, durationSec } = options;
  const generator = options.generator ?? 'light';
  const tokens = options.tokens ?? (await shopperTokens(mesh));
  const light = generator === 'light' ? await lightClients(mesh) : undefined;
  const nextClient = light?.next ?? (await legacyClients(mesh));
  const questions = options.questions ?? SHOPPER_QUESTIONS;
  const forGuests = questions.filter((q) => !q.signedIn);
  const guestToken = light ? tokens.guest : tokens.mintGuest;
  // The light generator's guests get tokens minted before the step (70 % of the expected shoppers, and a margin).
  if (light) await tokens.stockGuests(Math.ceil(rate * durationSec * 0.7 * 1.3) + 10);
  const processes = [mesh.orchestrator, ...mesh.agents];
  const cpuBefore = Object.fromEntries(processes.map((p) => [p.name, cpuMs(p.pid)]));
  const handshakesBefore = light?.handshakes();
  const selfBefore = cpuMs('self');
  const firstDeltas: number[] = [];
  const fulls: number[] = [];
  const errorKinds: Record<string, number> = {};
  const count = (kind: string) => {
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  let messages = 0;
  let abandoned = 0;
  let active = 0;
  let peak = 0;

  async function shopper() {
    let client: ShopperClient | undefined;
    active++;
    peak = Math.max(peak, active);
    try {
      const dice = Math.random();
      const signedIn = dice >= 0.7;
      const token = dice < 0.7 ? await guestToken() : dice < 0.9 ? tokens.customer : tokens.premium;
      const pool = signedIn ? questions : forGuests;
      let conversationId: string | undefined;
      // Each shopper from its own loopback address, as shoppers come from their own IPs: the per-IP guest limit
      // of the chat edge then applies per shopper, as in production, instead of to the whole simulation.
      client = nextClient();
      for (let turn = 0; turn < 3; turn++) {
        const q = pool[Math.floor(Math.random() * pool.length)] as Question;
        messages++;
        const result = await client.ask(token, q, conversationId, patienceMs());
        if (result.failure) count(result.failure);
        conversationId = result.conversationId ?? conversationId;
        if (result.error) count(result.error);
        const gotText = result.firstDeltaMs !== undefined;
        if (result.firstDeltaMs !== undefined) firstDeltas.push(result.firstDeltaMs);
        if (result.fullMs !== undefined && result.firstDeltaMs !== undefined) fulls.push(result.fullMs);
        if (result.abandoned) {
          abandoned++;
          break;
        }
        if (!gotText || Math.random() >= 0.3) break;
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
      }
      if (conversationId) await client.close(token, conversationId);
    } finally {
      client?.release();
      active--;
    }
  }

  const started = new Date();
  const t0 = performance.now();
  const running: Array<Promise<void>> = [];
  let next = 0;
  while (next < durationSec * 1000) {
    const wait = next - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    running.push(shopper());
    next += -Math.log(1 - Math.random()) * (1000 / rate); // exponential gaps: Poisson arrivals
  }
  await Promise.all(running);
  const ended = new Date();
  const generatorCpuMsPerMessage = (cpuMs('self') - selfBefore) / messages;
  const elapsedSec = (performance.now() - t0) / 1000;
  const cpuMsPerMessage: Record<string, number> = {};
  for (const p of processes) cpuMsPerMessage[p.name] = (cpuMs(p.pid) - (cpuBefore[p.name] ?? 0)) / messages;
  const handshakesAfter = light?.handshakes();
  const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
  return {
    rate,
    generator,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    shoppers: running.length,
    messages,
    messagesPerSec: messages / elapsedSec,
    peakConcurrentShoppers: peak,
    firstDeltaMs: {
      p50: quantile(firstDeltas, 0.5),
      p95: quantile(firstDeltas, 0.95),
      p99: quantile(firstDeltas, 0.99),
    },
    fullReplyMs: { p50: quantile(fulls, 0.5), p95: quantile(fulls, 0.95) },
    abandonedShoppers: abandoned,
    errors,
    errorKinds,
    cpuMsPerMessage,
    generatorCpuMsPerMessage,
    ...(handshakesBefore && handshakesAfter
      ? {
          generatorHandshakes: {
            handshakes: handshakesAfter.handshakes - handshakesBefore.handshakes,
            resumed: handshakesAfter.resumed - handshakesBefore.resumed,
          },
        }
      : {}),
  };
}

const agents = new WeakMap<Mesh, { url: string; next(): typeof fetch }>();

/** `fetch`es bound to 127.0.x.y source addresses (all of 127/8 is loopback on Linux), handed out in turn. */
export async function sourceAddresses(mesh: Mesh) {
  let found = agents.get(mesh);
  if (!found) {
    const { ca } = await loadTlsMaterial(mesh.certsDir, 'orchestrator');
    const pool = Array.from({ length: 500 }, (_, i) => {
      const localAddress = `127.0.${2 + Math.floor(i / 250)}.${1 + (i % 250)}`;
      // undici's own connector ignores `localAddress`, so this one opens the TLS socket itself.
      const dispatcher = new Agent({
        connect: ((options: { hostname: string; port: string }, callback: (...args: unknown[]) => void) => {
          const socket = tlsConnect({
            host: options.hostname,
            port: Number(options.port),
            servername: 'localhost',
            ca,
            // Passed on to net.connect at run time, though tls.ConnectionOptions does not declare it.
            localAddress,
            ALPNProtocols: ['http/1.1'],
          } as ConnectionOptions);
          socket.once('secureConnect', () => callback(null, socket));
          socket.once('error', (error) => callback(error, null));
        }) as never,
      });
      return ((url: string, init?: RequestInit) =>
        undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
    });
    let turn = 0;
    found = {
      url: mesh.url.replace('//localhost:', '//127.0.0.1:'),
      next: () => pool[turn++ % pool.length]!,
    };
    agents.set(mesh, found);
  }
  return found;
}

export { shopperTokens };
