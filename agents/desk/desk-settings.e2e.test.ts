import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { DeskSettingsSchema } from './protocol.js';
import {
  ANA,
  handoffOf,
  handoffRequest,
  startDesk,
  stateOf,
  type TestCaller,
  type TestDesk,
} from './testing/desk-harness.js';

// Admins' overrides of the desk's settings and their own canned replies, against the desk as it runs.

const DAVI: TestCaller = { subject: 'admin:davi', role: 'admin' };
let desk: TestDesk | undefined;

afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function audit(d: TestDesk) {
  return d.sql.query<{ operator_id: string; action: string; outcome: string }>(
    'SELECT operator_id, action, outcome FROM operator_actions ORDER BY id',
  );
}

describe('update_settings', () => {
  it('is for admins: an operator is refused (forbidden), audited, and nothing changes', async () => {
    desk = await startDesk();
    const refused = await desk.act(ANA, { action: 'update_settings', hours: 'mon 09:00-10:00' });
    expect(refused.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(refused.result).toMatchObject({ kind: 'desk_error', code: 'forbidden' });
    const { result } = await desk.act(ANA, { action: 'settings' });
    expect(result.settings).toMatchObject({ hours: { always: true }, overridden: false });
    expect(await audit(desk)).toContainEqual({
      operator_id: 'operator:ana',
      action: 'update_settings',
      outcome: 'forbidden',
    });
  });

  it('refuses bad hours and unknown time zones with a message naming the problem', async () => {
    desk = await startDesk();
    const hours = await desk.act(DAVI, { action: 'update_settings', hours: 'mon-fri 9-18' });
    expect(hours.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(hours.result).toMatchObject({ code: 'invalid_settings', message: expect.stringMatching(/9-18/) });
    const zone = await desk.act(DAVI, { action: 'update_settings', timeZone: 'Mars/Olympus' });
    expect(zone.result).toMatchObject({
      code: 'invalid_settings',
      message: expect.stringMatching(/Mars\/Olympus/),
    });
    expect((await desk.act(DAVI, { action: 'update_settings' })).result).toMatchObject({
      code: 'invalid_settings',
    });
  });

  it('an override changes the offline decision and the settings answer, and survives a restart', async () => {
    // A Wednesday at noon in São Paulo; the desk is configured always open.
    desk = await startDesk({ now: () => new Date('2025-01-08T15:00:00Z') });
    await desk.act(ANA, { action: 'presence', status: 'online', name: 'Ana' });
    const changed = await desk.act(DAVI, {
      action: 'update_settings',
      hours: 'mon 09:00-18:00; sat-sun 10:00-12:00',
      timeZone: 'America/Recife',
    });
    expect(changed.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(DeskSettingsSchema.parse(changed.result.settings)).toMatchObject({
      hours: {
        always: false,
        ranges: [
          { days: [1], from: '09:00', to: '18:00' },
          { days: [0, 6], from: '10:00', to: '12:00' },
        ],
      },
      hoursSpec: 'mon 09:00-18:00; sun 10:00-12:00; sat 10:00-12:00',
      timeZone: 'America/Recife',
      overridden: true,
      openNow: false,
    });
    const stream = await desk.handoff({ subject: 'customer:1', role: 'customer' }, handoffRequest());
    const end = await stream.until(
      (e) => stateOf(e) === TaskState.TASK_STATE_REJECTED && e.payload?.$case === 'statusUpdate',
    );
    expect(handoffOf(end)).toEqual({ state: 'offline', offlineReason: 'closed' });
    expect(await audit(desk)).toContainEqual({
      operator_id: 'admin:davi',
      action: 'update_settings',
      outcome: 'ok',
    });

    await desk.restart();
    const { result } = await desk.act(ANA, { action: 'settings' });
    expect(result.settings).toMatchObject({ timeZone: 'America/Recife', overridden: true, openNow: false });
    // Back to always: the desk opens again.
    const reopened = await desk.act(DAVI, { action: 'update_settings', hours: 'always' });
    expect(reopened.result.settings).toMatchObject({
      hours: { always: true },
      hoursSpec: 'always',
      openNow: true,
    });
  });
});

describe('custom canned replies', () => {
  it('an admin adds one, search finds it, and it can be deleted; FAQ ones cannot; operators may not', async () => {
    desk = await startDesk();
    const added = await desk.act(DAVI, {
      action: 'add_canned_reply',
      title: 'Cupom de boas-vindas',
      text: 'Use o cupom BEMVINDO10 na primeira compra.',
    });
    expect(added.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const reply = added.result.reply;
    expect(reply).toMatchObject({ title: 'Cupom de boas-vindas', custom: true });

    const found = await desk.act(ANA, { action: 'canned_replies', query: 'bemvindo10 compra' });
    expect(found.result.replies).toEqual([reply]);

    const faq = (await desk.act(ANA, { action: 'canned_replies', query: '' })).result.replies;
    const faqReply = faq.find((r: { custom?: boolean }) => !r.custom);
    expect(faqReply).toBeDefined();
    const notDeletable = await desk.act(DAVI, { action: 'delete_canned_reply', id: faqReply.id });
    expect(notDeletable.result).toMatchObject({ code: 'canned_reply_not_deletable' });

    const byOperator = await desk.act(ANA, { action: 'delete_canned_reply', id: reply.id });
    expect(byOperator.result).toMatchObject({ code: 'forbidden' });
    const addByOperator = await desk.act(ANA, { action: 'add_canned_reply', title: 'x', text: 'y' });
    expect(addByOperator.result).toMatchObject({ code: 'forbidden' });

    const deleted = await desk.act(DAVI, { action: 'delete_canned_reply', id: reply.id });
    expect(deleted.result).toEqual({ kind: 'deleted', id: reply.id });
    expect(
      (await desk.act(ANA, { action: 'canned_replies', query: 'bemvindo10 compra' })).result.replies,
    ).toEqual([]);
    const again = await desk.act(DAVI, { action: 'delete_canned_reply', id: reply.id });
    expect(again.result).toMatchObject({ code: 'canned_reply_not_found' });
    expect((await audit(desk)).filter((a) => a.action.includes('canned_reply'))).toEqual([
      { operator_id: 'admin:davi', action: 'add_canned_reply', outcome: 'ok' },
      { operator_id: 'admin:davi', action: 'delete_canned_reply', outcome: 'canned_reply_not_deletable' },
      { operator_id: 'operator:ana', action: 'delete_canned_reply', outcome: 'forbidden' },
      { operator_id: 'operator:ana', action: 'add_canned_reply', outcome: 'forbidden' },
      { operator_id: 'admin:davi', action: 'delete_canned_reply', outcome: 'ok' },
      { operator_id: 'admin:davi', action: 'delete_canned_reply', outcome: 'canned_reply_not_found' },
    ]);
  });
});
