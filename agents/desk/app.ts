import { join } from 'node:path';
import { TaskState } from '@a2a-js/sdk';
import {
  type AgentParts,
  BoundedTaskStore,
  createPgliteClient,
  createPostgresClient,
  type Logger,
  runMigrations,
  type SqlClient,
} from '../runtime/index.js';
import { HandoffBuses } from './buses.js';
import { type CannedReplies, loadCannedReplies } from './canned-replies.js';
import type { DeskConfig } from './config.js';
import { openHandoffs } from './db/handoffs.js';
import { DESK_MIGRATIONS } from './db/migrations.js';
import { readSettings } from './db/settings.js';
import { createDesk } from './desk.js';
import { createDeskExecutor } from './executor.js';
import { createHandoffSkill } from './handoff-executor.js';
import { assertTimeZone, type BusinessHours, parseBusinessHours } from './hours.js';
import { createSmtpMailer, type TicketMailer } from './mailer.js';
import { createOperatorSkill } from './operator-executor.js';
import { DeskTaskStore } from './task-store.js';

/** Opens the desk's own database: PostgreSQL in its schema when `DATABASE_URL` is set, else PGlite under `DATA_DIR`. */
export function openDeskDatabase(
  config: Pick<
    DeskConfig,
    'DATA_DIR' | 'DATABASE_URL' | 'DESK_DATABASE_SCHEMA' | 'DESK_PGLITE_SHARED_BUFFERS'
  >,
) {
  return config.DATABASE_URL
    ? createPostgresClient({ connectionString: config.DATABASE_URL, schema: config.DESK_DATABASE_SCHEMA })
    : createPgliteClient({
        dataDir: join(config.DATA_DIR, 'pglite'),
        sharedBuffers: config.DESK_PGLITE_SHARED_BUFFERS,
      });
}

/** The business hours and time zone an admin stored; a value this runtime no longer accepts is skipped, logged. */
async function storedOverrides(sql: SqlClient, logger: Logger) {
  const stored = await readSettings(sql);
  const overrides: { hours?: BusinessHours; timeZone?: string } = {};
  try {
    if (stored.hours !== undefined) overrides.hours = parseBusinessHours(stored.hours);
  } catch (error) {
    logger.warn({ err: error }, 'ignoring the stored business hours');
  }
  try {
    if (stored.time_zone !== undefined) {
      assertTimeZone(stored.time_zone);
      overrides.timeZone = stored.time_zone;
    }
  } catch (error) {
    logger.warn({ err: error }, 'ignoring the stored time zone');
  }
  return overrides;
}

/** Options of {@link createDeskAgent}. */
export interface DeskAgentOptions {
  sql: SqlClient;
  config: DeskConfig;
  logger: Logger;
  now?: () => Date;
  /** Defaults to an SMTP mailer when `SMTP_URL` is set, else none. */
  mailer?: TicketMailer;
  /** Defaults to the FAQ at `DESK_CANNED_REPLIES_FILE`. */
  cannedReplies?: CannedReplies;
}

/**
 * Assembles the desk on `sql` (migrating it first): its executor, the task store that views handoffs over the
 * database, and the event buses that keep open handoffs subscribable, also after a restart. The caller owns `sql`.
 */
export async function createDeskAgent(
  options: DeskAgentOptions,
): Promise<AgentParts & { buses: HandoffBuses }> {
  const { sql, config, logger, now = () => new Date() } = options;
  await runMigrations(sql, DESK_MIGRATIONS);
  const buses = new HandoffBuses();
  for (const { taskId, owner } of await openHandoffs(sql)) buses.open(taskId, owner);
  const desk = createDesk({
    sql,
    buses,
    logger,
    now,
    hours: config.DESK_HOURS,
    timeZone: config.DESK_TIME_ZONE,
    overrides: await storedOverrides(sql, logger),
    assignment: config.DESK_ASSIGNMENT,
    maxChatsPerOperator: config.DESK_MAX_CHATS_PER_OPERATOR,
    presenceTtlSec: config.DESK_PRESENCE_TTL_SEC,
  });
  const mailer =
    options.mailer ??
    (config.SMTP_URL && config.DESK_NOTIFY_EMAIL
      ? createSmtpMailer({ url: config.SMTP_URL, to: config.DESK_NOTIFY_EMAIL })
      : undefined);
  const cannedReplies = options.cannedReplies ?? (await loadCannedReplies(config.DESK_CANNED_REPLIES_FILE));
  const executor = createDeskExecutor({
    handoff: createHandoffSkill({ desk, mailer }),
    operator: createOperatorSkill({ desk, cannedReplies }),
    logger,
    now,
  });
  const taskStore = new DeskTaskStore({
    sql,
    view: desk.view,
    fallback: new BoundedTaskStore({ now: () => now().getTime() }),
  });
  return {
    executor,
    taskStore,
    eventBusManager: buses,
    buses,
    // An open handoff's bus outlives each request: WORKING while it waits or a person works, INPUT_REQUIRED
    // while the operator's message waits for the shopper.
    keepBusAliveStates: [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_INPUT_REQUIRED],
  };
}
