import { checkFileModes } from '../runtime/file-modes.js';
import { loadAgentConfig, runAgent } from '../runtime/index.js';
import { createDeskAgent, openDeskDatabase } from './app.js';
import { loadDeskConfig } from './config.js';

// The desk's database holds shoppers' words and e-mails: what this process writes is its user's alone.
process.umask(0o077);
const config = loadAgentConfig(process.env, { name: 'desk', port: 9105 });
const desk = loadDeskConfig(process.env);

await runAgent({
  config,
  createExecutor: async ({ logger }) => {
    // Before the database opens: an older install's files open to other users, tightened and each named.
    if (!desk.DATABASE_URL) await checkFileModes({ paths: [desk.DATA_DIR], logger });
    const sql = await openDeskDatabase(desk);
    logger.info(
      { database: desk.DATABASE_URL ? `postgres schema ${desk.DESK_DATABASE_SCHEMA}` : desk.DATA_DIR },
      'desk database',
    );
    const parts = await createDeskAgent({ sql, config: desk, logger });
    return { ...parts, close: () => sql.close() };
  },
});
