import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { DatabaseUnavailableError, handleError } from '../errors.js';
import { guardAvailability, isDatabaseUnreachable } from './availability.js';
import type { SqlClient } from './sql.js';

const failing = (error: unknown): SqlClient => ({
  query: async () => {
    throw error;
  },
  transaction: async () => {
    throw error;
  },
  close: async () => undefined,
});

describe('the store availability guard', () => {
  it('tells an unreachable database from a statement it refused', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnreachable(refused)).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('shutting down'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('no connection'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([refused], 'all failed'))).toBe(true);
    // Refusals by the database itself are not "unavailable": retrying them changes nothing.
    expect(isDatabaseUnreachable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnreachable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isDatabaseUnreachable(new Error('conversation not found'))).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });

  it('throws DatabaseUnavailableError for an unreachable database, and passes every other error unchanged', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const down = guardAvailability(failing(refused));
    await expect(down.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(down.transaction(async () => 1)).rejects.toMatchObject({ cause: refused });
    const constraint = Object.assign(new Error('duplicate key'), { code: '23505' });
    await expect(guardAvailability(failing(constraint)).query('INSERT')).rejects.toBe(constraint);
  });

  it('is answered 503 database_unavailable with Retry-After, saying nothing of the cause', async () => {
    const app = new Hono();
    app.get('/x', () => {
      throw new DatabaseUnavailableError(new Error('connect ECONNREFUSED 10.0.0.7:5432'));
    });
    app.onError(handleError(createLogger({ name: 'test', level: 'silent' })));
    const response = await app.request('/x');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ code: 'database_unavailable' });
    expect(body).not.toContain('10.0.0.7');
  });
});
