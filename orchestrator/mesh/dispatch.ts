import { randomUUID } from 'node:crypto';
import { type AgentCard, Role, type StreamResponse, TaskState } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ConstantBackoff,
  circuitBreaker,
  handleWhen,
  type IPolicy,
  retry,
  wrap,
} from 'cockatiel';
import { type Logger, traceHeaders, tracer } from '../../agents/runtime/index.js';
import type { SkillTarget } from './agent-directory.js';
import { skillScopes } from './scope-policy.js';
import type { ServiceTokenMinter } from './service-tokens.js';

/** One update from an agent's task, reduced to what a chat reply needs. */
export type TaskUpdate =
  | { kind: 'task'; taskId: string }
  | { kind: 'text'; text: string }
  | { kind: 'data'; artifactId: string; data: Record<string, unknown> }
  | { kind: 'completed' };

/** Why a call to an agent failed; internal, logged with the correlation id, never shown verbatim to shoppers. */
export type AgentFailure = 'unavailable' | 'timeout' | 'refused' | 'failed' | 'canceled';

/** An agent call that did not complete; `outcome` is what the chat log records. */
export class AgentCallError extends Error {
  constructor(
    readonly outcome: AgentFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentCallError';
  }
}

/** The A2A bindings the orchestrator can call agents over. */
export const AGENT_BINDINGS = ['jsonrpc', 'http+json'] as const;
export type AgentBinding = (typeof AGENT_BINDINGS)[number];

export interface DispatchRequest {
  target: SkillTarget;
  text: string;
  /** A2A contextId: the conversation. */
  contextId: string;
  locale: string;
  subject: string;
  role: string;
  correlationId: string;
  /** Scopes granted for this task (see `grantScopes`): the token carries exactly these. */
  scopes: string[];
  metadata?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** Sends shopper messages to agents as A2A tasks and yields their streamed updates. */
export interface Dispatcher {
  stream(request: DispatchRequest): AsyncGenerator<TaskUpdate>;
}

const TERMINAL_FAILURES = new Map<TaskState, AgentFailure>([
  [TaskState.TASK_STATE_FAILED, 'failed'],
  [TaskState.TASK_STATE_REJECTED, 'refused'],
  [TaskState.TASK_STATE_CANCELED, 'canceled'],
]);

/**
 * Creates a dispatcher that talks to agents with the SDK's client over `fetch` (an mTLS keep-alive pool), with a
 * service token from `minter` for each task (a caching minter reuses one per shopper, agent, skill and scopes while
 * it is fresh; the task's own correlation id always travels in `X-Request-Id`), a deadline for the first event and
 * one for the whole task.
 */
export function createDispatcher(options: {
  fetch: typeof fetch;
  minter: ServiceTokenMinter;
  logger: Logger;
  firstEventTimeoutMs: number;
  taskTimeoutMs: number;
  /** Consecutive connection failures that open an agent's circuit, and how long it stays open. */
  breakAfter?: number;
  halfOpenAfterMs?: number;
  /**
   * The A2A binding to call agents over (`AGENT_BINDING`): JSON-RPC (the default), or HTTP+JSON where the agent's
   * card declares it (JSON-RPC otherwise). The same mTLS `fetch`, token and headers either way.
   */
  binding?: AgentBinding;
}): Dispatcher {
  const {
    minter,
    logger,
    firstEventTimeoutMs,
    taskTimeoutMs,
    breakAfter = 3,
    halfOpenAfterMs = 5_000,
  } = options;
  // Per agent: one quick retry when the connection fails before anything was sent (e.g. a pooled socket the agent
  // closed), and a circuit breaker so a dead agent costs nothing until it is tried again.
  const policies = new Map<string, IPolicy>();
  const policyFor = (baseUrl: string) => {
    let policy = policies.get(baseUrl);
    if (!policy) {
      policy = wrap(
        retry(handleWhen(isConnectionFailure), { maxAttempts: 1, backoff: new ConstantBackoff(25) }),
        circuitBreaker(handleWhen(isConnectionFailure), {
          halfOpenAfter: halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(breakAfter),
        }),
      );
      policies.set(baseUrl, policy);
    }
    return policy;
  };
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({ fetchImpl: options.fetch }),
      new RestTransportFactory({ fetchImpl: options.fetch }),
    ],
    preferredTransports: options.binding === 'http+json' ? ['HTTP+JSON', 'JSONRPC'] : ['JSONRPC'],
  });
  const clients = new WeakMap<AgentCard, Promise<Client>>();
  const clientFor = (card: AgentCard) => {
    let client = clients.get(card);
    if (!client) {
      client = factory.createFromAgentCard(card);
      clients.set(card, client);
    }
    return client;
  };

  return {
    async *stream(request) {
      const { target } = request;
      const skill = target.skill.id;
      const token = await minter.mint({
        audience: target.agent.rpcUrl,
        subject: request.subject,
        role: request.role,
        skill,
        scopes: request.scopes,
        correlationId: request.correlationId,
      });
      const client = await clientFor(target.agent.card);
      // One client span per task; its `traceparent` goes with the call, so the agent's spans join the trace.
      const span = taskSpan(request);
      const abort = new AbortController();
      let timedOut = false;
      const onOuterAbort = () => abort.abort();
      request.signal?.addEventListener('abort', onOuterAbort, { once: true });
      // Aborted while the token was minted or the client made: a listener added now would never fire.
      if (request.signal?.aborted) abort.abort();
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, firstEventTimeoutMs);
      const taskTimer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, taskTimeoutMs);
      let sawEvent = false;
      let finished = false;
      try {
        const message = {
          tenant: '',
          message: {
            messageId: randomUUID(),
            contextId: request.contextId,
            taskId: '',
            role: Role.ROLE_USER,
            parts: [
              {
                content: { $case: 'text' as const, value: request.text },
                metadata: undefined,
                filename: '',
                mediaType: 'text/plain',
              },
            ],
            metadata: { locale: request.locale, skill, ...request.metadata },
            extensions: [],
            referenceTaskIds: [],
          },
          configuration: undefined,
          metadata: { skill },
        };
        const callOptions = {
          signal: abort.signal,
          serviceParameters: {
            Authorization: `Bearer ${token}`,
            'X-Request-Id': request.correlationId,
            ...traceHeaders(span),
          },
        };
        // Opening the stream (up to its first event) goes through the agent's retry and circuit-breaker policy.
        const opened = await policyFor(target.agent.baseUrl).execute(async () => {
          const iterator = client.sendMessageStream(message, callOptions)[Symbol.asyncIterator]();
          return { iterator, first: await iterator.next() };
        });
        const events = (async function* () {
          if (!opened.first.done) yield opened.first.value;
          for (let next = await opened.iterator.next(); !next.done; next = await opened.iterator.next()) {
            yield next.value;
          }
        })();
        for await (const event of events) {
          if (!sawEvent) {
            sawEvent = true;
            clearTimeout(timer);
          }
          for (const update of toUpdates(event)) {
            if (update.kind === 'task') span.setAttribute('atende.task_id', update.taskId);
            if (update.kind === 'failure') {
              throw new AgentCallError(update.outcome, `task ended ${update.outcome}`);
            }
            yield update;
            if (update.kind === 'completed') finished = true;
          }
          if (finished) break;
        }
        if (!finished) throw new AgentCallError('failed', 'the stream ended before the task completed');
      } catch (error) {
        const failure = classify(error, {
          timedOut,
          outerAborted: request.signal?.aborted ?? false,
          logger,
          request,
        });
        span.setAttribute('atende.outcome', failure.outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
        throw failure;
      } finally {
        span.end();
        clearTimeout(timer);
        clearTimeout(taskTimer);
        request.signal?.removeEventListener('abort', onOuterAbort);
        if (!finished) abort.abort();
      }
    },
  };
}

/** The client span of one A2A task (the API's non-recording span while tracing is off). */
function taskSpan(request: DispatchRequest): Span {
  const { agent, skill } = request.target;
  return tracer().startSpan(`a2a ${agent.card.name}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'rpc.system': 'jsonrpc',
      'rpc.method': 'SendStreamingMessage',
      'server.address': agent.rpcUrl,
      'atende.agent': agent.card.name,
      'atende.skill': skill.id,
    },
  });
}

/** The bearer scopes a skill's (or else its card's) security requirements name. */
export function requiredScopes(target: SkillTarget): string[] {
  return skillScopes(target.agent.card, target.skill);
}

type Reduced = TaskUpdate | { kind: 'failure'; outcome: AgentFailure };

function toUpdates(event: StreamResponse): Reduced[] {
  const payload = event.payload;
  if (!payload) return [];
  switch (payload.$case) {
    case 'task':
      return [{ kind: 'task', taskId: payload.value.id }, ...stateUpdate(payload.value.status?.state)];
    case 'statusUpdate':
      return stateUpdate(payload.value.status?.state);
    case 'artifactUpdate': {
      const artifact = payload.value.artifact;
      if (!artifact) return [];
      return artifact.parts.flatMap((part): Reduced[] => {
        if (part.content?.$case === 'text') return [{ kind: 'text', text: part.content.value }];
        if (part.content?.$case === 'data' && part.content.value && typeof part.content.value === 'object') {
          return [{ kind: 'data', artifactId: artifact.artifactId, data: part.content.value }];
        }
        return [];
      });
    }
    case 'message':
      return [
        ...payload.value.parts.flatMap((part): Reduced[] =>
          part.content?.$case === 'text' ? [{ kind: 'text', text: part.content.value }] : [],
        ),
        { kind: 'completed' },
      ];
    default:
      return [];
  }
}

function stateUpdate(state: TaskState | undefined): Reduced[] {
  if (state === TaskState.TASK_STATE_COMPLETED) return [{ kind: 'completed' }];
  const failure = state === undefined ? undefined : TERMINAL_FAILURES.get(state);
  return failure ? [{ kind: 'failure', outcome: failure }] : [];
}

/** A failure to reach the agent at all: nothing was processed, so trying again is safe. */
function isConnectionFailure(error: Error): boolean {
  const text = `${error.message} ${String((error as Error & { cause?: unknown }).cause ?? '')}`;
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|UND_ERR_CONNECT|UND_ERR_SOCKET|other side closed|fetch failed/i.test(
    text,
  );
}

function classify(
  error: unknown,
  ctx: { timedOut: boolean; outerAborted: boolean; logger: Logger; request: DispatchRequest },
): AgentCallError {
  let result: AgentCallError;
  if (error instanceof AgentCallError) result = error;
  else if (error instanceof BrokenCircuitError) {
    result = new AgentCallError('unavailable', 'the agent is failing; its circuit is open', { cause: error });
  } else if (ctx.timedOut)
    result = new AgentCallError('timeout', 'the agent did not answer in time', { cause: error });
  else if (ctx.outerAborted)
    result = new AgentCallError('canceled', 'the shopper went away', { cause: error });
  else {
    const text = `${String((error as Error)?.message ?? error)} ${String((error as Error)?.cause ?? '')}`;
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|socket|fetch failed|UND_ERR_CONNECT/i.test(text)) {
      result = new AgentCallError('unavailable', 'the agent cannot be reached', { cause: error });
    } else if (/-3201[01]|401|403|unauthori|forbidden|scope|token/i.test(text)) {
      result = new AgentCallError('refused', 'the agent refused the call', { cause: error });
    } else if (/terminated|aborted|other side closed/i.test(text)) {
      result = new AgentCallError('failed', 'the agent stream broke', { cause: error });
    } else {
      result = new AgentCallError('failed', 'the agent call failed', { cause: error });
    }
  }
  ctx.logger.warn(
    {
      correlationId: ctx.request.correlationId,
      agent: ctx.request.target.agent.baseUrl,
      skill: ctx.request.target.skill.id,
      outcome: result.outcome,
      err: (result.cause as Error | undefined)?.message ?? result.message,
    },
    'agent call failed',
  );
  return result;
}
