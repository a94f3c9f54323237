import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresClient } from '../runtime/index.js';
import { ANA, BRUNO, handoffOf, handoffRequest, startDesk, type TestDesk } from './testing/desk-harness.js';

// The desk on PostgreSQL, in a schema of its own per test: claims racing on real connections, and a restart.
const url = process.env.TEST_DATABASE_URL;
let desk: TestDesk | undefined;

afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

function onPostgres() {
  const schema = `desk_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  return startDesk({ openSql: () => createPostgresClient({ connectionString: url as string, schema }) });
}

describe.skipIf(!url)('desk on PostgreSQL', () => {
  it('lets exactly one of two concurrent claims win', async () => {
    desk = await onPostgres();
    await desk.act(ANA, { action: 'presence', status: 'online', name: 'Ana' });
    await desk.act(BRUNO, { action: 'presence', status: 'online', name: 'Bruno' });
    const request = handoffRequest();
    const stream = await desk.handoff({ subject: 'customer:pg', role: 'customer' }, request);
    await stream.until((e) => handoffOf(e)?.state === 'queued');
    const claims = await Promise.all([
      desk.act(ANA, { action: 'claim', conversationId: request.conversationId }),
      desk.act(BRUNO, { action: 'claim', conversationId: request.conversationId }),
    ]);
    expect(claims.filter((c) => c.state === TaskState.TASK_STATE_COMPLETED)).toHaveLength(1);
    expect(claims.find((c) => c.state === TaskState.TASK_STATE_REJECTED)?.result).toMatchObject({
      code: 'already_claimed',
    });
  });

  it('keeps a waiting handoff across a restart', async () => {
    desk = await onPostgres();
    await desk.act(ANA, { action: 'presence', status: 'online', name: 'Ana' });
    const shopper = { subject: 'customer:pg2', role: 'customer' };
    const request = handoffRequest();
    const stream = await desk.handoff(shopper, request);
    const first = await stream.until((e) => e.payload?.$case === 'task');
    const taskId = first.payload?.$case === 'task' ? first.payload.value.id : '';
    await desk.restart();
    const subscriber = await desk.subscribe(shopper, taskId);
    expect(handoffOf(await subscriber.until((e) => e.payload?.$case === 'task'))).toMatchObject({
      state: 'queued',
    });
    await desk.act(ANA, { action: 'claim', conversationId: request.conversationId });
    await subscriber.until((e) => handoffOf(e)?.state === 'assigned');
  });
});
