import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { DeskSettingsSchema } from './protocol.js';
import { ANA, startDesk, type TestDesk } from './testing/desk-harness.js';

// The operators' `settings` action against the desk as it runs (real card, socket and tokens).

let desk: TestDesk | undefined;

afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe('the settings action', () => {
  it('reads the configured hours, time zone and assignment, and whether the desk is open now', async () => {
    desk = await startDesk({
      env: {
        DESK_HOURS: 'mon-fri 09:00-18:00; sat 09:00-13:00',
        DESK_TIME_ZONE: 'America/Recife',
        DESK_ASSIGNMENT: 'round-robin',
        DESK_MAX_CHATS_PER_OPERATOR: '4',
      },
      // A Wednesday at 12:00 in Recife (UTC-3).
      now: () => new Date('2025-01-08T15:00:00Z'),
    });
    const { state, result } = await desk.act(ANA, { action: 'settings' });
    expect(state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.kind).toBe('settings');
    expect(DeskSettingsSchema.parse(result.settings)).toEqual({
      hours: {
        always: false,
        ranges: [
          { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' },
          { days: [6], from: '09:00', to: '13:00' },
        ],
      },
      hoursSpec: 'mon-fri 09:00-18:00; sat 09:00-13:00',
      timeZone: 'America/Recife',
      overridden: false,
      assignment: 'round-robin',
      maxChatsPerOperator: 4,
      openNow: true,
    });
  });

  it('says always open by default, and refuses a shopper', async () => {
    desk = await startDesk();
    const { result } = await desk.act({ subject: 'admin:davi', role: 'admin' }, { action: 'settings' });
    expect(result.settings).toMatchObject({
      hours: { always: true },
      timeZone: 'America/Sao_Paulo',
      assignment: 'claim',
      openNow: true,
    });
    const refused = await desk.act({ subject: 'customer:x', role: 'customer' }, { action: 'settings' });
    expect(refused.state).toBe(TaskState.TASK_STATE_REJECTED);
  });
});
