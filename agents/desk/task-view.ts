import { randomUUID } from 'node:crypto';
import { type Artifact, type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import type { Handoff } from './db/handoffs.js';
import type { DeskMessage } from './db/messages.js';
import { HANDOFF_METADATA_KEY, type HandoffState, type OperatorMessage } from './protocol.js';
import { statusText } from './texts.js';

// A handoff task is never stored as a task: it is built from the desk's tables whenever the SDK asks for it.

/** Where the handoff stands in the queue, when it is waiting. */
export interface QueueSpot {
  position: number;
  estimatedWaitSec: number;
}

/** The desk's view of `handoff` for status updates and the task's metadata. */
export function handoffStateOf(handoff: Handoff, spot?: QueueSpot): HandoffState {
  return {
    state: handoff.state,
    ...(handoff.state === 'queued' && spot ? spot : {}),
    ...(handoff.operator && handoff.state !== 'queued' ? { operator: handoff.operator } : {}),
    ...(handoff.offlineReason ? { offlineReason: handoff.offlineReason } : {}),
  };
}

/** The A2A state of a handoff: INPUT_REQUIRED while the operator's last message waits for the shopper. */
export function taskStateOf(handoff: Handoff, lastAuthor?: 'shopper' | 'operator'): TaskState {
  switch (handoff.state) {
    case 'queued':
    case 'assigned':
      return lastAuthor === 'operator' ? TaskState.TASK_STATE_INPUT_REQUIRED : TaskState.TASK_STATE_WORKING;
    case 'resolved':
    case 'returned_to_bot':
      return TaskState.TASK_STATE_COMPLETED;
    case 'offline':
      return TaskState.TASK_STATE_REJECTED;
    case 'abandoned':
      return TaskState.TASK_STATE_CANCELED;
  }
}

/** The metadata of every status update and of the task itself. */
export function handoffMetadata(state: HandoffState): Record<string, unknown> {
  return { [HANDOFF_METADATA_KEY]: state };
}

export function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

export function dataPart(value: Record<string, unknown>): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

/** An agent message with one text part, for a status update. */
export function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The artifact of one operator message: its id is the message's, with a text part and an `OperatorMessage` part. */
export function operatorArtifact(message: DeskMessage): Artifact {
  const data: OperatorMessage = {
    kind: 'operator_message',
    messageId: message.id,
    operator: message.operator ?? { id: 'unknown', name: 'unknown' },
    at: message.at,
  };
  return {
    artifactId: message.id,
    name: 'operator_message',
    description: '',
    parts: [textPart(message.text), dataPart(data)],
    metadata: undefined,
    extensions: [],
  };
}

/** The task of `handoff`: the shopper's messages as history, one artifact per operator message. */
export function handoffTask(handoff: Handoff, messages: DeskMessage[], spot?: QueueSpot): Task {
  const state = handoffStateOf(handoff, spot);
  const history = [
    handoff.requestMessage,
    ...messages.flatMap((m) => (m.author === 'shopper' && m.a2aMessage ? [m.a2aMessage] : [])),
  ];
  return {
    id: handoff.taskId,
    contextId: handoff.contextId,
    status: {
      state: taskStateOf(handoff, messages.at(-1)?.author),
      message: agentMessage(handoff.taskId, handoff.contextId, statusText(state, handoff.language)),
      timestamp: handoff.updatedAt,
    },
    artifacts: messages.filter((m) => m.author === 'operator').map(operatorArtifact),
    history,
    metadata: handoffMetadata(state),
  };
}
