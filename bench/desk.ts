import { asksForPerson } from '../orchestrator/desk/intent.js';
import { apiCaller, readEvents } from '../orchestrator/testing/harness.js';
import { DEMO_PASSWORD, type Mesh } from './mesh.js';
import { quantile } from './processes.js';
import { SHOPPER_QUESTIONS } from './questions.js';
import { runStep, type StepResult, shopperTokens, sourceAddresses } from './shoppers.js';

// The demo seeds one operator and one admin (both may work the desk) and no API creates staff accounts, so a
// simulated operator beyond the second reuses an account; each still claims, answers and resolves on its own.
const STAFF_ACCOUNTS = ['operator@atende.dev', 'admin@atende.dev'];
const ASK_FOR_PERSON = 'quero falar com um atendente';
const OPERATOR_REPLY = 'Olá! Sou da equipe de atendimento, já vou te ajudar.';
// After the operator's message the shopper waits this long for the resolve before closing the chat anyway.
const RESOLVE_WAIT_MS = 10_000;

/** What the desk phase simulates: operators, and shoppers of whom a share asks for a person. */
export interface DeskPhaseOptions {
  mesh: Mesh;
  /** Shoppers per second, all of them (Poisson); `handoffShare` of them ask for a person. */
  rate: number;
  durationSec: number;
  operators: number;
  operatorThinkMs: number;
  handoffShare: number;
  /** How long a shopper who asked for a person waits for an operator's message before closing the chat. */
  patienceMs: number;
  /** How often an idle operator reads the waiting list. */
  pollMs?: number;
}

type Outcome = 'answered' | 'abandoned' | 'refused' | 'error';

/** One shopper who asked for a person, as they saw it (ms from sending the request). */
interface HandoffTrace {
  outcome: Outcome;
  /** The handoff state that ended the wait when it was not an operator's message (e.g. `offline`). */
  state?: string;
  queuedMs?: number;
  assignedMs?: number;
  operatorMessageMs?: number;
}

/** Figures of the desk phase; times are ms from the shopper's request. */
export interface DeskPhaseResult {
  rate: number;
  durationSec: number;
  operators: number;
  operatorThinkMs: number;
  handoffShare: number;
  patienceMs: number;
  startedAt: string;
  endedAt: string;
  /** Shoppers who asked for a person. */
  handoffs: number;
  /** … who got an operator's message within their patience. */
  answered: number;
  /** … who closed the chat before an operator's message. */
  abandoned: number;
  /** … whom the desk turned away (`offline`, `failed`) or who did not get a conversation at all. */
  refused: number;
  errors: number;
  errorKinds: Record<string, number>;
  timeToHumanMs: { p50: number; p95: number; max: number };
  timeToAssignmentMs: { p50: number; p95: number };
  /** Operators' side: conversations claimed, claims lost to another operator, replies refused (shopper gone). */
  claims: number;
  lostClaims: number;
  repliesRefused: number;
  /** The other shoppers of the phase (the bots' side), as a step of the simulation. */
  bots: StepResult;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    // Removed on time-out: operators sleep on the same signal many times over a phase.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', wake);
      resolve();
    }, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

/**
 * The human desk under load: `operators` simulated operators poll the waiting list every `pollMs` (250 ms), claim
 * the oldest conversation they can, think for `operatorThinkMs`, answer and resolve it, one conversation at a time.
 * Meanwhile shoppers arrive for `durationSec`: a `handoffShare` of them asks for a person and waits up to
 * `patienceMs` for an operator's message (else closes the chat: abandonment); the rest ask the bots as in
 * `runStep`, without the questions that ask for a person. Resolves once every shopper is done.
 */
export async function runDeskPhase(options: DeskPhaseOptions): Promise<DeskPhaseResult> {
  const { mesh, rate, durationSec, handoffShare, patienceMs } = options;
  const pollMs = options.pollMs ?? 250;
  const from = await sourceAddresses(mesh);
  const tokens = await shopperTokens(mesh);
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string) => {
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };

  const api = apiCaller(mesh.web.fetch, mesh.url);

  const login = async (email: string) => {
    const response = await mesh.web.fetch(`${mesh.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    if (!response.ok) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  // --- operators ------------------------------------------------------------------------------------------------
  const staffTokens = await Promise.all(STAFF_ACCOUNTS.map(login));
  let claims = 0;
  let lostClaims = 0;
  let repliesRefused = 0;
  const operatorsDone = new AbortController();
  async function operator(token: string) {
    while (!operatorsDone.signal.aborted) {
      await operatorTurn(token).catch((error: unknown) => {
        fail(`operator_${(error as Error).name || 'fetch_failed'}`);
        return sleep(pollMs, operatorsDone.signal);
      });
    }
  }
  /** One look at the waiting list and, when a claim succeeds, that conversation answered and resolved. */
  async function operatorTurn(token: string) {
    const waiting = await api(token, 'GET', '/api/desk/conversations?state=waiting');
    if (waiting.status !== 200) fail(`list_${waiting.body?.code ?? waiting.status}`);
    const queue = ((waiting.body?.conversations ?? []) as Array<{ conversationId: string; queuedAt: string }>)
      .slice()
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
    let claimed: string | undefined;
    for (const { conversationId } of queue) {
      const claim = await api(token, 'POST', `/api/desk/conversations/${conversationId}/claim`);
      if (claim.status === 200) {
        claims++;
        claimed = conversationId;
        break;
      }
      // Another operator was faster, or the shopper left meanwhile: try the next one.
      if (claim.body?.code === 'already_claimed' || claim.body?.code === 'conversation_ended') lostClaims++;
      else fail(`claim_${claim.body?.code ?? claim.status}`);
    }
    if (!claimed) {
      await sleep(pollMs, operatorsDone.signal);
      return;
    }
    await sleep(options.operatorThinkMs);
    const path = `/api/desk/conversations/${claimed}`;
    const reply = await api(token, 'POST', `${path}/messages`, { text: OPERATOR_REPLY });
    if (reply.status !== 201) {
      if (reply.body?.code === 'conversation_ended') repliesRefused++;
      else fail(`reply_${reply.body?.code ?? reply.status}`);
      return;
    }
    const resolve = await api(token, 'POST', `${path}/resolve`);
    if (resolve.status !== 200 && resolve.body?.code !== 'conversation_ended') {
      fail(`resolve_${resolve.body?.code ?? resolve.status}`);
    }
  }
  for (const token of staffTokens) {
    const presence = await api(token, 'PUT', '/api/desk/presence', { status: 'online' });
    if (presence.status !== 200)
      throw new Error(`presence: ${presence.status} ${JSON.stringify(presence.body)}`);
  }
  const operators = Array.from({ length: options.operators }, (_, i) =>
    operator(staffTokens[i % staffTokens.length] as string),
  );

  // --- shoppers who ask for a person --------------------------------------------------------------------------------
  async function handoffShopper(): Promise<HandoffTrace> {
    const token = await tokens.guest();
    const via = from.next();
    const headers = { authorization: `Bearer ${token}` };
    const t0 = performance.now();
    const trace: HandoffTrace = { outcome: 'error' };
    let conversationId: string | undefined;
    try {
      const asked = await via(`${from.url}/api/chat/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ text: ASK_FOR_PERSON, locale: 'pt-BR' }),
      });
      if (asked.status !== 200) {
        fail(`chat_http_${asked.status}`);
        await asked.body?.cancel();
        return trace;
      }
      let chatError: string | undefined;
      await readEvents(asked, (event, data) => {
        if (event === 'conversation') conversationId = data.conversationId;
        else if (event === 'error') chatError = data.code;
        return undefined;
      });
      if (chatError) fail(`chat_${chatError}`);
      if (!conversationId) return { outcome: 'refused' };

      // Follow the conversation until an operator writes (then until the resolve) or patience runs out.
      const stop = new AbortController();
      let timer = setTimeout(() => stop.abort(), Math.max(0, patienceMs - (performance.now() - t0)));
      const events = await via(`${from.url}/api/conversations/${conversationId}/events`, {
        headers,
        signal: stop.signal,
      });
      await readEvents(events, (_event, e) => {
        const at = performance.now() - t0;
        if (e.kind === 'handoff') {
          const state = e.data?.state as string;
          if (state === 'queued') trace.queuedMs ??= at;
          if (state === 'assigned') trace.assignedMs ??= at;
          if (['resolved', 'returned_to_bot', 'abandoned', 'offline', 'failed'].includes(state)) {
            if (trace.operatorMessageMs === undefined) trace.state = state;
            return false;
          }
        } else if (
          e.kind === 'message' &&
          e.data?.role === 'operator' &&
          trace.operatorMessageMs === undefined
        ) {
          trace.operatorMessageMs = at;
          clearTimeout(timer);
          timer = setTimeout(() => stop.abort(), RESOLVE_WAIT_MS);
        }
        return undefined;
      }).catch((error: unknown) => {
        if (!stop.signal.aborted) throw error;
      });
      clearTimeout(timer);
      stop.abort();
      if (trace.operatorMessageMs !== undefined) trace.outcome = 'answered';
      else if (trace.state === 'offline' || trace.state === 'failed') trace.outcome = 'refused';
      else trace.outcome = 'abandoned';
    } catch (error) {
      fail((error as Error).name || 'fetch_failed');
    } finally {
      // Closing a conversation still waiting makes the desk mark the handoff abandoned.
      if (conversationId) {
        await via(`${from.url}/api/conversations/${conversationId}/close`, { method: 'POST', headers })
          .then((r) => r.body?.cancel())
          .catch(() => undefined);
      }
    }
    return trace;
  }

  // Two Poisson processes of rates share × rate and (1 − share) × rate are together one of `rate`, each arrival
  // asking for a person with probability `share`.
  const started = new Date();
  const botQuestions = SHOPPER_QUESTIONS.filter((q) => !asksForPerson(q.text));
  const bots = runStep({
    mesh,
    rate: rate * (1 - handoffShare),
    durationSec,
    tokens,
    questions: botQuestions,
  });
  const traces: Array<Promise<HandoffTrace>> = [];
  const t0 = performance.now();
  let next = -Math.log(1 - Math.random()) * (1000 / (rate * handoffShare));
  while (handoffShare > 0 && next < durationSec * 1000) {
    const wait = next - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    traces.push(handoffShopper());
    next += -Math.log(1 - Math.random()) * (1000 / (rate * handoffShare));
  }
  const done = await Promise.all(traces);
  const botStep = await bots;
  const ended = new Date();
  operatorsDone.abort();
  await Promise.all(operators);

  const count = (outcome: Outcome) => done.filter((t) => t.outcome === outcome).length;
  const toHuman = done.flatMap((t) => (t.operatorMessageMs === undefined ? [] : [t.operatorMessageMs]));
  const toAssignment = done.flatMap((t) => (t.assignedMs === undefined ? [] : [t.assignedMs]));
  return {
    rate,
    durationSec,
    operators: options.operators,
    operatorThinkMs: options.operatorThinkMs,
    handoffShare,
    patienceMs,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    handoffs: done.length,
    answered: count('answered'),
    abandoned: count('abandoned'),
    refused: count('refused'),
    errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
    errorKinds,
    timeToHumanMs: {
      p50: quantile(toHuman, 0.5),
      p95: quantile(toHuman, 0.95),
      max: toHuman.length ? Math.max(...toHuman) : Number.NaN,
    },
    timeToAssignmentMs: { p50: quantile(toAssignment, 0.5), p95: quantile(toAssignment, 0.95) },
    claims,
    lostClaims,
    repliesRefused,
    bots: botStep,
  };
}
