import { describe, expect, it } from 'vitest';
import { loadDeskConfig } from './config.js';

describe('desk configuration', () => {
  it('defaults to PGlite under data/desk, always open, claimed by operators', () => {
    const config = loadDeskConfig({});
    expect(config).toMatchObject({
      DATA_DIR: 'data/desk',
      DESK_DATABASE_SCHEMA: 'desk',
      DESK_HOURS: { always: true },
      DESK_TIME_ZONE: 'America/Sao_Paulo',
      DESK_ASSIGNMENT: 'claim',
      DESK_MAX_CHATS_PER_OPERATOR: 3,
      DESK_PRESENCE_TTL_SEC: 90,
      DESK_PGLITE_SHARED_BUFFERS: '16MB',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names each bad variable', () => {
    expect(() =>
      loadDeskConfig({ DESK_HOURS: 'weekdays', DESK_TIME_ZONE: 'Mars/Olympus', DESK_ASSIGNMENT: 'random' }),
    ).toThrow(/DESK_HOURS[\s\S]*DESK_TIME_ZONE[\s\S]*DESK_ASSIGNMENT|DESK_ASSIGNMENT[\s\S]*DESK_HOURS/);
  });

  it('takes a shared_buffers size PostgreSQL reads, and nothing else', () => {
    expect(loadDeskConfig({ DESK_PGLITE_SHARED_BUFFERS: '64MB' }).DESK_PGLITE_SHARED_BUFFERS).toBe('64MB');
    expect(() => loadDeskConfig({ DESK_PGLITE_SHARED_BUFFERS: '16 MB' })).toThrow(
      /DESK_PGLITE_SHARED_BUFFERS/,
    );
  });

  it('wants a recipient when SMTP is configured', () => {
    expect(() => loadDeskConfig({ SMTP_URL: 'smtp://localhost:2525' })).toThrow(/DESK_NOTIFY_EMAIL/);
    expect(
      loadDeskConfig({ SMTP_URL: 'smtp://localhost:2525', DESK_NOTIFY_EMAIL: 'team@example.com', SMTP_X: '' })
        .DESK_NOTIFY_EMAIL,
    ).toBe('team@example.com');
  });
});
