import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('starts on embedded defaults with no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8443, RATE_LIMIT_STORE: 'memory', seedDemoAccounts: true });
    expect(config.AGENT_URLS).toHaveLength(5);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('never seeds demo accounts in production, and refuses to be told to', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).seedDemoAccounts).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', SEED_DEMO_ACCOUNTS: 'true' })).toThrow(
      /demo accounts are never seeded in production/,
    );
  });

  it('lists every bad variable in one clear error', () => {
    expect(() => loadConfig({ PORT: 'eighty', AGENT_URLS: 'not a url' })).toThrow(/PORT[\s\S]*AGENT_URLS/);
    expect(() => loadConfig({ RATE_LIMIT_STORE: 'redis' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ CHAT_LOG_GROUP_COMMIT: 'sometimes' })).toThrow(/CHAT_LOG_GROUP_COMMIT/);
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: "32MB' -c fsync=off" })).toThrow(
      /PGLITE_SHARED_BUFFERS/,
    );
  });

  it('gives the embedded database 32MB of shared buffers unless told otherwise', () => {
    expect(loadConfig({}).PGLITE_SHARED_BUFFERS).toBe('32MB');
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '128MB' }).PGLITE_SHARED_BUFFERS).toBe('128MB');
  });

  it('groups chat-log commits only where a commit is dear, unless told', () => {
    expect(loadConfig({}).CHAT_LOG_GROUP_COMMIT).toBe('auto');
    expect(loadConfig({ CHAT_LOG_GROUP_COMMIT: 'on' }).CHAT_LOG_GROUP_COMMIT).toBe('on');
  });
});
