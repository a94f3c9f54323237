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

describe('desk operators', () => {
  it('lets exactly one of two concurrent claims win; the other is refused already_claimed', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    await online(desk, BRUNO, 'Bruno');
    const { request } = await queue(desk);
    const claims = await Promise.all([
      desk.act(ANA, { action: 'claim', conversationId: request.conversationId }),
      desk.act(BRUNO, { action: 'claim', conversationId: request.conversationId }),
    ]);
    const states = claims.map((c) => c.state);
    expect(states.filter((s) => s === TaskState.TASK_STATE_COMPLETED)).toHaveLength(1);
    const lost = claims.find((c) => c.state === TaskState.TASK_STATE_REJECTED);
    expect(lost?.result).toMatchObject({ kind: 'desk_error', code: 'already_claimed' });
  });

  it('streams an operator message as an artifact, then INPUT_REQUIRED; the shopper answers in the same task', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const { stream, request, taskId, contextId, shopper } = await queue(desk);
    await desk.act(ANA, { action: 'claim', conversationId: request.conversationId });
    const sent = await desk.act(ANA, {
      action: 'message',
      conversationId: request.conversationId,
      text: 'Olá, sou a Ana!',
    });
    expect(sent.result).toMatchObject({ kind: 'sent' });
    const artifact = await stream.until((e) => e.payload?.$case === 'artifactUpdate');
    const parts = artifact.payload?.$case === 'artifactUpdate' ? artifact.payload.value.artifact?.parts : [];
    expect(parts?.[0]?.content).toEqual({ $case: 'text', value: 'Olá, sou a Ana!' });
    expect(parts?.[1]?.content).toMatchObject({
      $case: 'data',
      value: {
        kind: 'operator_message',
        messageId: sent.result.messageId,
        operator: { id: ANA.subject, name: 'Ana' },
      },
    });
    const waiting = await stream.until((e) => stateOf(e) === TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(handoffOf(waiting)).toMatchObject({ state: 'assigned' });
    expect(stream.events.indexOf(artifact)).toBeLessThan(stream.events.indexOf(waiting));

    const reply = await desk.followUp(shopper, { taskId, contextId }, 'meu pedido 1042 não chegou');
    await reply.until(
      (e) => stateOf(e) === TaskState.TASK_STATE_WORKING && e.payload?.$case === 'statusUpdate',
    );
    const got = await desk.act(ANA, { action: 'get', conversationId: request.conversationId });
    expect(got.result.messages.map((m: any) => [m.author, m.text])).toEqual([
      ['operator', 'Olá, sou a Ana!'],
      ['shopper', 'meu pedido 1042 não chegou'],
    ]);
    expect(got.result.transcript).toEqual(request.transcript);
    expect(got.result.conversation.firstResponseAt).toBeDefined();
  });

  it('keeps internal notes off the task', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const { request, taskId, shopper } = await queue(desk);
    await desk.act(ANA, { action: 'claim', conversationId: request.conversationId });
    const note = await desk.act(ANA, {
      action: 'message',
      conversationId: request.conversationId,
      text: 'cliente VIP, segredo interno',
      internal: true,
    });
    expect(note.result).toMatchObject({ kind: 'note', note: { text: 'cliente VIP, segredo interno' } });
    const task = await desk.getTask(shopper, taskId);
    expect(JSON.stringify(task)).not.toContain('segredo interno');
    const got = await desk.act(ANA, { action: 'get', conversationId: request.conversationId });
    expect(got.result.notes.map((n: any) => n.text)).toEqual(['cliente VIP, segredo interno']);
    expect(got.result.messages).toEqual([]);
  });

  it('ends the task COMPLETED resolved, or returned_to_bot', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const a = await queue(desk);
    const b = await queue(desk);
    await desk.act(ANA, { action: 'claim', conversationId: a.request.conversationId });
    await desk.act(ANA, { action: 'claim', conversationId: b.request.conversationId });
    const resolved = await desk.act(ANA, { action: 'resolve', conversationId: a.request.conversationId });
    expect(resolved.result.conversation.state).toBe('resolved');
    const end = await a.stream.until((e) => stateOf(e) === TaskState.TASK_STATE_COMPLETED);
    expect(handoffOf(end)).toMatchObject({ state: 'resolved' });
    await desk.act(ANA, { action: 'return_to_bot', conversationId: b.request.conversationId });
    const back = await b.stream.until((e) => stateOf(e) === TaskState.TASK_STATE_COMPLETED);
    expect(handoffOf(back)).toMatchObject({ state: 'returned_to_bot' });
    await a.stream.ended;
    const again = await desk.act(ANA, { action: 'resolve', conversationId: a.request.conversationId });
    expect(again.result).toMatchObject({ kind: 'desk_error', code: 'conversation_ended' });
    const late = await desk.followUp(
      a.shopper,
      { taskId: a.taskId, contextId: a.contextId },
      'ainda está aí?',
    );
    await late.ended;
    expect(String(late.error())).toMatch(/terminal state/);
    const all = await desk.act(ANA, { action: 'list', state: 'all' });
    expect(all.result.conversations.map((c: any) => c.state).sort()).toEqual(['resolved', 'returned_to_bot']);
  });

  it('refuses not_yours to another operator, and transfers', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    await online(desk, BRUNO, 'Bruno');
    const { request, stream } = await queue(desk);
    await desk.act(ANA, { action: 'claim', conversationId: request.conversationId });
    const foreign = await desk.act(BRUNO, {
      action: 'message',
      conversationId: request.conversationId,
      text: 'oi',
    });
    expect(foreign.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(foreign.result).toMatchObject({ kind: 'desk_error', code: 'not_yours' });
    const missing = await desk.act(ANA, {
      action: 'transfer',
      conversationId: request.conversationId,
      operatorId: 'nobody',
    });
    expect(missing.result).toMatchObject({ code: 'operator_not_found' });
    const moved = await desk.act(ANA, {
      action: 'transfer',
      conversationId: request.conversationId,
      operatorId: BRUNO.subject,
    });
    expect(moved.result.conversation.operator).toEqual({ id: BRUNO.subject, name: 'Bruno' });
    await stream.until((e) => handoffOf(e)?.operator?.name === 'Bruno');
    const unknown = await desk.act(ANA, { action: 'get', conversationId: 'nope' });
    expect(unknown.result).toMatchObject({ code: 'conversation_not_found' });
  });

  it('refuses a token with only desk:handoff on the operator skill, and a shopper role', async () => {
    desk = await startDesk();
    await expect(desk.act({ ...ANA, scopes: ['desk:handoff'] }, { action: 'operators' })).rejects.toThrow(
      /scope/,
    );
    const shopper = await desk.act({ subject: 'customer:x', role: 'customer' }, { action: 'operators' });
    expect(shopper.state).toBe(TaskState.TASK_STATE_REJECTED);
  });

  it('lists the waiting queue oldest first, the operators with their load, and canned replies', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const a = await queue(desk);
    const b = await queue(desk);
    const waiting = await desk.act(ANA, { action: 'list', state: 'waiting' });
    expect(waiting.result.conversations.map((c: any) => [c.conversationId, c.position])).toEqual([
      [a.request.conversationId, 1],
      [b.request.conversationId, 2],
    ]);
    await desk.act(ANA, { action: 'claim', conversationId: b.request.conversationId });
    const mine = await desk.act(ANA, { action: 'list', state: 'mine' });
    expect(mine.result.conversations.map((c: any) => c.conversationId)).toEqual([b.request.conversationId]);
    const operators = await desk.act(ANA, { action: 'operators' });
    expect(operators.result.operators).toEqual([
      { id: ANA.subject, name: 'Ana', status: 'online', activeChats: 1, maxChats: 3 },
    ]);
    const canned = await desk.act(ANA, { action: 'canned_replies', query: 'frete' });
    expect(canned.result.replies.length).toBeGreaterThan(0);
  });
});

describe('desk offline', () => {
  it('refuses a handoff outside business hours with state offline (closed)', async () => {
    // A Wednesday at noon in São Paulo; the desk opens on Mondays only.
    desk = await startDesk({
      env: { DESK_HOURS: 'mon 09:00-18:00' },
      now: () => new Date('2025-01-08T15:00:00Z'),
    });
    await online(desk, ANA, 'Ana');
    const stream = await desk.handoff(ORCHESTRATOR_FOR('customer:1'), handoffRequest());
    const end = await stream.until(
      (e) => stateOf(e) === TaskState.TASK_STATE_REJECTED && e.payload?.$case === 'statusUpdate',
    );
    expect(handoffOf(end)).toEqual({ state: 'offline', offlineReason: 'closed' });
    expect(statusTextOf(end)).toMatch(/Deixe uma mensagem/);
  });

  it('refuses a handoff when no operator is online (no_operator)', async () => {
    desk = await startDesk();
    await desk.act(ANA, { action: 'presence', status: 'away', name: 'Ana' });
    const stream = await desk.handoff(ORCHESTRATOR_FOR('customer:1'), handoffRequest({ language: 'en' }));
    const end = await stream.until(
      (e) => stateOf(e) === TaskState.TASK_STATE_REJECTED && e.payload?.$case === 'statusUpdate',
    );
    expect(handoffOf(end)).toEqual({ state: 'offline', offlineReason: 'no_operator' });
    expect(statusTextOf(end)).toMatch(/Leave a message/);
  });

  it('stores an offline message and lists it for the operators', async () => {
    desk = await startDesk();
    const shopper = ORCHESTRATOR_FOR('customer:2');
    const task = await desk.handoffTask(shopper, {
      kind: 'offline_message',
      email: 'maria@example.com',
      text: 'Meu pedido não chegou',
      language: 'pt-BR',
      shopper: { subject: 'customer:2', role: 'customer' },
    });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const stored = task.artifacts[0]?.parts[0]?.content as any;
    expect(stored.value).toMatchObject({ kind: 'offline_message_stored' });
    const bad = await desk.handoffTask(shopper, {
      kind: 'offline_message',
      email: 'not-an-email',
      text: 'x',
      language: 'pt-BR',
      shopper: { subject: 'customer:2', role: 'customer' },
    });
    expect(bad.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    const list = await desk.act(ANA, { action: 'offline_messages' });
    expect(list.result.tickets).toEqual([
      expect.objectContaining({
        id: stored.value.id,
        email: 'maria@example.com',
        text: 'Meu pedido não chegou',
      }),
    ]);
  });
});

describe('desk task ownership and durability', () => {
  it('answers a foreign subject as if the handoff did not exist', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const { taskId } = await queue(desk);
    const intruder = await desk.subscribe(ORCHESTRATOR_FOR('customer:intruder'), taskId);
    await intruder.ended;
    expect(intruder.events).toEqual([]);
    expect(String(intruder.error())).toMatch(/not found/i);
    await expect(desk.getTask(ORCHESTRATOR_FOR('customer:intruder'), taskId)).rejects.toThrow(/not found/i);
  });

  it('abandons a queued handoff the shopper cancels, and moves the others up', async () => {
    desk = await startDesk();
    await online(desk, ANA, 'Ana');
    const a = await queue(desk);
    const b = await queue(desk);
    const canceled = await desk.cancel(a.shopper, a.taskId);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(canceled.metadata).toMatchObject({ handoff: { state: 'abandoned' } });
    await b.stream.until((e) => handoffOf(e)?.position === 1);
  });

  it('keeps a waiting handoff across a restart: a new subscriber sees it queued, then assigned', async () => {
    desk = await startDesk({ persistent: true });
    await online(desk, ANA, 'Ana');
    const { taskId, request, shopper } = await queue(desk);
    await desk.restart();
    const subscriber = await desk.subscribe(shopper, taskId);
    const snapshot = await subscriber.until((e) => e.payload?.$case === 'task');
    expect(handoffOf(snapshot)).toMatchObject({ state: 'queued', position: 1 });
    await online(desk, ANA, 'Ana');
    await desk.act(ANA, { action: 'claim', conversationId: request.conversationId });
    const joined = await subscriber.until((e) => handoffOf(e)?.state === 'assigned');
    expect(statusTextOf(joined)).toBe('Ana entrou na conversa');
  });
});

describe('desk round-robin assignment', () => {
  it('assigns at once to the online operator with the fewest chats, ties to the least recently assigned', async () => {
    desk = await startDesk({ env: { DESK_ASSIGNMENT: 'round-robin', DESK_MAX_CHATS_PER_OPERATOR: '1' } });
    await online(desk, ANA, 'Ana');
    await online(desk, BRUNO, 'Bruno');
    const assignedTo = async () => {
      const stream = await desk!.handoff(ORCHESTRATOR_FOR(`customer:${randomUUID()}`), handoffRequest());
      const e = await stream.until(
        (x) => x.payload?.$case === 'statusUpdate' && handoffOf(x)?.state !== undefined,
      );
      return handoffOf(e);
    };
    const first = await assignedTo();
    const second = await assignedTo();
    expect(first.state).toBe('assigned');
    expect(second.state).toBe('assigned');
    expect(new Set([first.operator.name, second.operator.name])).toEqual(new Set(['Ana', 'Bruno']));
    // Both are full now: the third waits.
    expect(await assignedTo()).toMatchObject({ state: 'queued', position: 1 });
  });
});
