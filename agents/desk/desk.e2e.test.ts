import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANA,
  BRUNO,
  handoffOf,
  handoffRequest,
  startDesk,
  stateOf,
  statusTextOf,
  type TestCaller,
  type TestDesk,
} from './testing/desk-harness.js';

// The desk as it runs: real card, real mTLS socket, the SDK's client, tokens minted like the orchestrator's.

const ORCHESTRATOR_FOR = (subject: string): TestCaller => ({ subject, role: 'customer' });
let desk: TestDesk | undefined;

afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function online(d: TestDesk, who: TestCaller, name: string) {
  const { state } = await d.act(who, { action: 'presence', status: 'online', name });
  expect(state).toBe(TaskState.TASK_STATE_COMPLETED);
}

/** Asks for a handoff and waits until it is queued; returns the stream, the task and the request. */
async function queue(d: TestDesk, shopper = ORCHESTRATOR_FOR(`customer:${randomUUID()}`)) {
  const request = handoffRequest({ shopper: { subject: shopper.subject, role: 'customer', name: 'Maria' } });
  const stream = await d.handoff(shopper, request);
  const queued = await stream.until(
    (e) => e.payload?.$case === 'statusUpdate' && handoffOf(e)?.state === 'queued',
  );
  const first = stream.events[0]?.payload;
  if (first?.$case !== 'task') throw new Error('the first event is not the task');
  return { stream, queued, shopper, request, taskId: first.value.id, contextId: first.value.contextId };
}

describe('desk end to end', () => {
  it('queues a handoff with its position and a second one behind it', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const first = await queue(desk);
    expect(stateOf(first.queued)).toBe(TaskState.TASK_STATE_WORKING);
    expect(handoffOf(first.queued)).toEqual({ state: 'queued', position: 1, estimatedWaitSec: 120 });
    expect(statusTextOf(first.queued)).toBe('Você é o 1º da fila; espera estimada de 2 min');
    const second = await queue(desk);
    expect(handoffOf(second.queued)).toMatchObject({ state: 'queued', position: 2, estimatedWaitSec: 240 });
  });

  it('tells the waiting shopper who joined when an operator claims, and moves the queue up', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const first = await queue(desk);
    const second = await queue(desk);
    const claim = await desk.act(ANA, { action: 'claim', conversationId: first.request.conversationId });
    expect(claim.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(claim.result).toMatchObject({ kind: 'conversation', conversation: { state: 'assigned' } });
    const joined = await first.stream.until((e) => handoffOf(e)?.state === 'assigned');
    expect(handoffOf(joined)).toEqual({ state: 'assigned', operator: { id: ANA.subject, name: 'Ana' } });
    expect(statusTextOf(joined)).toBe('Ana entrou na conversa');
    const moved = await second.stream.until((e) => handoffOf(e)?.position === 1);
    expect(stateOf(moved)).toBe(TaskState.TASK_STATE_WORKING);
  });
});
