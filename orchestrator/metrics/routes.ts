import { createHash, timingSafeEqual } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { type Context, Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import type { AccessTokens, Shopper } from '../auth/access-tokens.js';
import { httpError, RoleRefusedError } from '../errors.js';
import type { ConversationRow } from './conversations.js';
import type { MetricsRegistry } from './prometheus.js';
import type { MetricsQueries } from './summary.js';

/** What the metrics routes need. */
export interface MetricsRoutesDeps {
  queries: MetricsQueries;
  accessTokens: AccessTokens;
  registry: MetricsRegistry;
  /** When set, `GET /metrics` also accepts `Authorization: Bearer <metricsToken>` (for a Prometheus scraper). */
  metricsToken?: string;
  now?: () => Date;
  /** The window `GET /metrics` computes the `desk_*` gauges over; defaults to the last hour. */
  deskWindowMs?: number;
}

const HOUR = 3_600_000;
const MAX_RANGE_MS = 366 * 24 * HOUR;

/** Query of `GET /api/metrics/summary`: ISO 8601 times with an offset, defaults the last 24 hours. */
export const summaryQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time' }).optional(),
    to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time' }).optional(),
    idleMinutes: z.coerce
      .number({ message: 'idleMinutes must be a number' })
      .int('idleMinutes must be a whole number')
      .min(1, 'idleMinutes must be at least 1')
      .max(1440, 'idleMinutes must be at most 1440')
      .default(5),
    buckets: z.coerce
      .number({ message: 'buckets must be a number' })
      .int('buckets must be a whole number')
      .min(1, 'buckets must be at least 1')
      .max(200, 'buckets must be at most 200')
      .default(48),
  })
  .strict();

const flag = (name: string) =>
  z.enum(['true', 'false'], { message: `${name} must be true or false` }).transform((v) => v === 'true');

/** Query of `GET /api/metrics/conversations`: the summary's range and idle time, filters, and a page. */
export const conversationsQuerySchema = summaryQuerySchema
  .omit({ buckets: true })
  .extend({
    locale: z.string().min(1).max(20).optional(),
    handedOff: flag('handedOff').optional(),
    rated: flag('rated').optional(),
    abandoned: flag('abandoned').optional(),
    limit: z.coerce
      .number({ message: 'limit must be a number' })
      .int('limit must be a whole number')
      .min(1, 'limit must be at least 1')
      .max(200, 'limit must be at most 200')
      .default(50),
    before: z.iso.datetime({ offset: true, message: 'before must be an ISO 8601 date-time' }).optional(),
    beforeId: z.uuid({ message: 'beforeId must be a conversation id' }).optional(),
  })
  .strict()
  .refine((q) => (q.before === undefined) === (q.beforeId === undefined), {
    message: 'before and beforeId go together',
  });

/** The columns of `GET /api/metrics/export.csv`, one row per conversation (see `ConversationRow`). */
export const EXPORT_COLUMNS = [
  ['conversation_id', (r) => r.id],
  ['created_at', (r) => r.createdAt],
  ['locale', (r) => r.locale],
  ['role', (r) => r.role],
  ['shopper_messages', (r) => r.shopperMessages],
  ['answered', (r) => r.answered],
  ['not_found', (r) => r.notFound],
  ['unanswered', (r) => r.unanswered],
  ['first_response_ms', (r) => r.firstResponseMs],
  ['left_by', (r) => r.leftBy],
  ['abandoned', (r) => r.abandoned],
  ['handed_off', (r) => r.handedOff],
  ['handoff_reason', (r) => r.handoffReason],
  ['handoff_state', (r) => r.handoffState],
  ['time_to_human_ms', (r) => r.timeToHumanMs],
  ['rating', (r) => r.rating],
  ['resolved_by', (r) => r.resolvedBy],
  ['topic', (r) => r.topic],
  ['sentiment', (r) => r.sentiment],
  ['closed_at', (r) => r.closedAt],
  ['last_activity_at', (r) => r.lastActivityAt],
] as const satisfies ReadonlyArray<readonly [string, (row: ConversationRow) => unknown]>;

type MetricsEnv = { Variables: { requestId: string; shopper: Shopper } };

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Mount with `app.route('/', metricsRoutes(deps))`: `GET /api/metrics/summary`, `GET /api/metrics/conversations`
 * (a filtered page), `GET /api/metrics/conversations/:id` (a transcript) and `GET /api/metrics/export.csv` (one
 * row per conversation of the range), all for admins; and `GET /metrics` (Prometheus text; the metrics token or
 * an admin). The dashboard itself is `<atende-dashboard>` (web/src/dashboard) in the console, `/console#/dashboard`.
 */
export function metricsRoutes(deps: MetricsRoutesDeps) {
  const { queries, accessTokens, registry, now = () => new Date() } = deps;
  const metricsToken = deps.metricsToken ? digest(deps.metricsToken) : undefined;
  const app = new Hono<MetricsEnv>();

  async function requireAdmin(c: Context<MetricsEnv>): Promise<Shopper> {
    const shopper = await accessTokens.verify(c.req.header('authorization'));
    if (shopper.role !== 'admin') {
      throw new RoleRefusedError(shopper, 'only an admin may read the metrics');
    }
    return shopper;
  }

  const admin = createMiddleware<MetricsEnv>(async function requireAdminRole(c, next) {
    c.set('shopper', await requireAdmin(c));
    await next();
  });

  /** The range of a query: `to` defaults to now, `from` to a day before `to`; at most 366 days. */
  function rangeOf(query: { from?: string; to?: string }) {
    const to = query.to ? new Date(query.to) : now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * HOUR);
    if (from.getTime() >= to.getTime()) throw httpError(400, 'invalid_request', 'from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
      throw httpError(400, 'invalid_request', 'the range must be at most 366 days');
    }
    return { from, to };
  }

  app.get('/api/metrics/summary', admin, async (c) => {
    const query = summaryQuerySchema.parse(c.req.query());
    const { from, to } = rangeOf(query);
    const summary = await queries.summary({
      from,
      to,
      idleMs: query.idleMinutes * 60_000,
      buckets: query.buckets,
    });
    return c.json(summary, 200, { 'cache-control': 'no-store' });
  });

  app.get('/api/metrics/conversations', admin, async (c) => {
    const query = conversationsQuerySchema.parse(c.req.query());
    const { from, to } = rangeOf(query);
    const page = await queries.conversations.list({
      from,
      to,
      idleMs: query.idleMinutes * 60_000,
      locale: query.locale,
      handedOff: query.handedOff,
      rated: query.rated,
      abandoned: query.abandoned,
      limit: query.limit,
      before:
        query.before && query.beforeId
          ? { createdAt: new Date(query.before), id: query.beforeId }
          : undefined,
    });
    return c.json(page, 200, { 'cache-control': 'no-store' });
  });

  app.get('/api/metrics/conversations/:id', admin, async (c) => {
    const { idleMinutes } = summaryQuerySchema.pick({ idleMinutes: true }).strict().parse(c.req.query());
    const transcript = await queries.conversations.transcript(c.req.param('id'), {
      idleMs: idleMinutes * 60_000,
    });
    if (!transcript) throw httpError(404, 'conversation_not_found', 'no such conversation');
    return c.json(transcript, 200, { 'cache-control': 'no-store' });
  });

  app.get('/api/metrics/export.csv', admin, async (c) => {
    const query = summaryQuerySchema.omit({ buckets: true }).strict().parse(c.req.query());
    const { from, to } = rangeOf(query);
    const rows = await queries.conversations.rows({ from, to, idleMs: query.idleMinutes * 60_000 });
    const csv = stringify(
      rows.map((row) => EXPORT_COLUMNS.map(([, value]) => value(row))),
      {
        header: true,
        columns: EXPORT_COLUMNS.map(([name]) => name),
        cast: { boolean: (value) => String(value) },
      },
    );
    const day = (date: Date) => date.toISOString().slice(0, 10);
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="atende-conversations-${day(from)}-${day(to)}.csv"`,
      'cache-control': 'no-store',
    });
  });

  app.get('/metrics', async (c) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const byToken =
      metricsToken !== undefined &&
      presented !== undefined &&
      timingSafeEqual(digest(presented), metricsToken);
    if (!byToken) await requireAdmin(c);
    // The desk's gauges are the summary's SQL over a recent window; the rest of the scrape does not wait on the
    // database's health: a failed query leaves those gauges NaN.
    const to = now();
    const window = { from: new Date(to.getTime() - (deps.deskWindowMs ?? HOUR)), to };
    registry.setDesk(await queries.desk(window).catch(() => null));
    const { contentType, body } = await registry.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });

  return app;
}
