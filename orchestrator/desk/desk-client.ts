import { randomUUID } from 'node:crypto';
import {
  type AgentCard,
  type Artifact,
  type Part,
  Role,
  type SendMessageRequest,
  type StreamResponse,
  type Task,
  TaskState,
} from '@a2a-js/sdk';
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import {
  type DeskError,
  DeskErrorSchema,
  HANDOFF_METADATA_KEY,
  HANDOFF_SKILL,
  HANDOFF_TAG,
  type HandoffRequest,
  type HandoffState,
  HandoffStateSchema,
  OPERATOR_SKILL,
  type OperatorAction,
  type OperatorMessage,
  OperatorMessageSchema,
  type OperatorResult,
  OperatorResultSchema,
  STAFF_TAG,
} from '../../agents/desk/protocol.js';
import type { AgentDirectory, SkillTarget } from '../mesh/agent-directory.js';
import { grantScopes, type ScopePolicy, skillScopes } from '../mesh/scope-policy.js';
import type { ServiceTokenMinter } from '../mesh/service-tokens.js';

/** Whom a call to the desk is made for: the shopper handed over, or the operator acting. */
export interface DeskCaller {
  subject: string;
  role: string;
  correlationId: string;
}

/** One update of a handoff task, reduced to what the conversation's log needs. */
export type HandoffUpdate =
  | { kind: 'task'; taskId: string; handoff?: HandoffState; messages: OperatorText[]; terminal: boolean }
  | { kind: 'state'; handoff?: HandoffState; terminal: boolean; taskState: TaskState }
  | { kind: 'message'; message: OperatorText };

/** An operator's message as the desk streamed it. */
export type OperatorText = OperatorMessage & { text: string };

/** Raised when the desk refused an operator's action (the task ended REJECTED with a `DeskError`). */
export class DeskRefusal extends Error {
  constructor(readonly error: DeskError) {
    super(error.message);
    this.name = 'DeskRefusal';
  }
}

/** Raised when no desk is discovered, or it cannot be reached or answered nonsense. */
export class DeskUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeskUnavailableError';
  }
}

/** The orchestrator's A2A client of the human desk (agents/desk), found among the discovered cards by its tags. */
export interface DeskClient {
  /** The desk's base URL, when a desk is discovered and up. */
  locate(): string | undefined;
  /** Sends a new handoff task and streams its updates until the stream ends (the task may still be open). */
  openHandoff(
    caller: DeskCaller,
    request: HandoffRequest,
    text: string,
    signal?: AbortSignal,
  ): AsyncGenerator<HandoffUpdate>;
  /** Follows an open handoff task again (`SubscribeToTask`): its current state first, then its updates. */
  subscribe(caller: DeskCaller, taskId: string, signal?: AbortSignal): AsyncGenerator<HandoffUpdate>;
  /** The handoff task as it is now (e.g. after it ended while nobody followed it). */
  getTask(caller: DeskCaller, taskId: string): Promise<HandoffUpdate>;
  /** Delivers the shopper's next message to the same task (A2A multi-turn); returns once the desk stored it. */
  shopperMessage(
    caller: DeskCaller,
    input: {
      taskId: string;
      conversationId: string;
      messageId: string;
      text: string;
      sentiment?: HandoffRequest['sentiment'];
    },
  ): Promise<void>;
  /** Stops a handoff (the shopper closed the conversation). */
  cancel(caller: DeskCaller, taskId: string): Promise<void>;
  /** Leaves a message for the team; returns the ticket's id. */
  offlineMessage(caller: DeskCaller, data: Record<string, unknown>, text: string): Promise<string>;
  /** Runs one operator action; throws {@link DeskRefusal} when the desk refuses it. */
  operate(caller: DeskCaller, action: OperatorAction): Promise<OperatorResult>;
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function dataPart(value: Record<string, unknown>): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

const TERMINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

function handoffOf(metadata: Record<string, unknown> | undefined): HandoffState | undefined {
  const parsed = HandoffStateSchema.safeParse(metadata?.[HANDOFF_METADATA_KEY]);
  return parsed.success ? parsed.data : undefined;
}

function operatorText(artifact: Artifact | undefined): OperatorText | undefined {
  if (!artifact) return undefined;
  let text = '';
  let message: OperatorMessage | undefined;
  for (const part of artifact.parts) {
    if (part.content?.$case === 'text') text += part.content.value;
    if (part.content?.$case === 'data') {
      const parsed = OperatorMessageSchema.safeParse(part.content.value);
      if (parsed.success) message = parsed.data;
    }
  }
  return message && text ? { ...message, text } : undefined;
}

function taskUpdate(task: Task): HandoffUpdate {
  const messages = task.artifacts.map(operatorText).filter((m): m is OperatorText => m !== undefined);
  const state = task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  return {
    kind: 'task',
    taskId: task.id,
    handoff: handoffOf(task.metadata),
    messages,
    terminal: TERMINAL.has(state),
  };
}

function toUpdate(event: StreamResponse): HandoffUpdate | undefined {
  const payload = event.payload;
  switch (payload?.$case) {
    case 'task':
      return taskUpdate(payload.value);
    case 'statusUpdate': {
      const state = payload.value.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
      return {
        kind: 'state',
        handoff: handoffOf(payload.value.metadata),
        terminal: TERMINAL.has(state),
        taskState: state,
      };
    }
    case 'artifactUpdate': {
      const message = operatorText(payload.value.artifact);
      return message ? { kind: 'message', message } : undefined;
    }
    default:
      return undefined;
  }
}

/** The data part of a finished task's artifacts, or its REJECTED `DeskError`. */
function resultOf(task: Task): Record<string, unknown> | undefined {
  for (const artifact of task.artifacts) {
    for (const part of artifact.parts) {
      if (part.content?.$case === 'data' && part.content.value)
        return part.content.value as Record<string, unknown>;
    }
  }
  for (const part of task.status?.message?.parts ?? []) {
    if (part.content?.$case === 'data' && part.content.value)
      return part.content.value as Record<string, unknown>;
  }
  return undefined;
}

/** Creates the desk client over the mesh's mTLS `fetch`, with one scoped service token per call. */
export function createDeskClient(options: {
  directory: AgentDirectory;
  fetch: typeof fetch;
  minter: ServiceTokenMinter;
  scopePolicy: ScopePolicy;
  /** Time allowed for one request-response call (not for followed streams). */
  timeoutMs?: number;
}): DeskClient {
  const { directory, minter, scopePolicy, timeoutMs = 10_000 } = options;
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl: options.fetch })],
  });
  const clients = new WeakMap<AgentCard, Promise<Client>>();

  function target(tag: string, skillId: string): SkillTarget {
    for (const agent of directory.list()) {
      if (agent.state === 'invalid' || !agent.card || !agent.rpcUrl) continue;
      const skill = agent.card.skills.find((s) => s.id === skillId && s.tags.includes(tag));
      if (skill) return { agent: agent as SkillTarget['agent'], skill };
    }
    throw new DeskUnavailableError('no human desk is discovered');
  }

  async function connect(caller: DeskCaller, skillTarget: SkillTarget) {
    const required = skillScopes(skillTarget.agent.card, skillTarget.skill);
    const grant = grantScopes(scopePolicy, caller.role as never, required);
    if (!grant.granted)
      throw new DeskUnavailableError(`role ${caller.role} may not use ${skillTarget.skill.id}`);
    const token = await minter.mint({
      audience: skillTarget.agent.rpcUrl,
      subject: caller.subject,
      role: caller.role,
      skill: skillTarget.skill.id,
      scopes: grant.scopes,
      correlationId: caller.correlationId,
    });
    let client = clients.get(skillTarget.agent.card);
    if (!client) {
      client = factory.createFromAgentCard(skillTarget.agent.card);
      clients.set(skillTarget.agent.card, client);
    }
    return {
      client: await client,
      serviceParameters: { Authorization: `Bearer ${token}`, 'X-Request-Id': caller.correlationId },
    };
  }

  function message(
    skill: string,
    input: { text: string; data: Record<string, unknown>; contextId?: string; taskId?: string },
    returnImmediately = false,
  ): SendMessageRequest {
    return {
      tenant: '',
      message: {
        messageId: randomUUID(),
        contextId: input.contextId ?? '',
        taskId: input.taskId ?? '',
        role: Role.ROLE_USER,
        parts: [textPart(input.text), dataPart(input.data)],
        metadata: { skill },
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: {
        acceptedOutputModes: ['text/plain', 'application/json'],
        taskPushNotificationConfig: undefined,
        returnImmediately,
      },
      metadata: { skill },
    };
  }

  async function call<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = AbortSignal.timeout(timeoutMs);
    try {
      return await fn(abort);
    } catch (error) {
      if (error instanceof DeskRefusal || error instanceof DeskUnavailableError) throw error;
      throw new DeskUnavailableError('the desk did not answer', { cause: error });
    }
  }

  async function* updates(stream: AsyncIterable<StreamResponse>): AsyncGenerator<HandoffUpdate> {
    for await (const event of stream) {
      const update = toUpdate(event);
      if (update) yield update;
    }
  }

  return {
    locate() {
      try {
        const found = target(HANDOFF_TAG, HANDOFF_SKILL);
        return found.agent.state === 'up' ? found.agent.baseUrl : undefined;
      } catch {
        return undefined;
      }
    },
    async *openHandoff(caller, request, text, signal) {
      const handoff = target(HANDOFF_TAG, HANDOFF_SKILL);
      const { client, serviceParameters } = await connect(caller, handoff);
      const params = message(HANDOFF_SKILL, { text, data: request, contextId: request.conversationId });
      yield* updates(client.sendMessageStream(params, { signal, serviceParameters }));
    },
    async *subscribe(caller, taskId, signal) {
      const handoff = target(HANDOFF_TAG, HANDOFF_SKILL);
      const { client, serviceParameters } = await connect(caller, handoff);
      yield* updates(client.resubscribeTask({ tenant: '', id: taskId }, { signal, serviceParameters }));
    },
    async getTask(caller, taskId) {
      return call(async (signal) => {
        const { client, serviceParameters } = await connect(caller, target(HANDOFF_TAG, HANDOFF_SKILL));
        const task = await client.getTask(
          { tenant: '', id: taskId, historyLength: 0 },
          { signal, serviceParameters },
        );
        return taskUpdate(task);
      });
    },
    async shopperMessage(caller, input) {
      await call(async (signal) => {
        const { client, serviceParameters } = await connect(caller, target(HANDOFF_TAG, HANDOFF_SKILL));
        const params = message(
          HANDOFF_SKILL,
          {
            text: input.text,
            data: {
              kind: 'shopper_message',
              messageId: input.messageId,
              ...(input.sentiment ? { sentiment: input.sentiment } : {}),
            },
            contextId: input.conversationId,
            taskId: input.taskId,
          },
          true,
        );
        await client.sendMessage(params, { signal, serviceParameters });
      });
    },
    async cancel(caller, taskId) {
      await call(async (signal) => {
        const { client, serviceParameters } = await connect(caller, target(HANDOFF_TAG, HANDOFF_SKILL));
        await client.cancelTask(
          { tenant: '', id: taskId, metadata: undefined },
          { signal, serviceParameters },
        );
      });
    },
    async offlineMessage(caller, data, text) {
      return call(async (signal) => {
        const { client, serviceParameters } = await connect(caller, target(HANDOFF_TAG, HANDOFF_SKILL));
        const result = await client.sendMessage(message(HANDOFF_SKILL, { text, data }), {
          signal,
          serviceParameters,
        });
        const task = 'status' in result ? (result as Task) : undefined;
        const stored = task && resultOf(task);
        if (task?.status?.state !== TaskState.TASK_STATE_COMPLETED || typeof stored?.id !== 'string') {
          throw new DeskUnavailableError('the desk did not store the message');
        }
        return stored.id;
      });
    },
    async operate(caller, action) {
      return call(async (signal) => {
        const { client, serviceParameters } = await connect(caller, target(STAFF_TAG, OPERATOR_SKILL));
        const result = await client.sendMessage(
          message(OPERATOR_SKILL, { text: action.action, data: action }),
          {
            signal,
            serviceParameters,
          },
        );
        const task = 'status' in result ? (result as Task) : undefined;
        const data = task && resultOf(task);
        if (task?.status?.state === TaskState.TASK_STATE_REJECTED) {
          const refusal = DeskErrorSchema.safeParse(data);
          if (refusal.success) throw new DeskRefusal(refusal.data);
        }
        const parsed = OperatorResultSchema.safeParse(data);
        if (task?.status?.state !== TaskState.TASK_STATE_COMPLETED || !parsed.success) {
          throw new DeskUnavailableError(`the desk answered ${action.action} with no result`);
        }
        return parsed.data;
      });
    },
  };
}
