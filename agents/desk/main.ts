import { loadAgentConfig, runAgent } from '../runtime/index.js';
import { createDeskAgent, openDeskDatabase } from './app.js';
import { loadDeskConfig } from './config.js';

const config = loadAgentConfig(process.env, { name: 'desk', port: 9105 });
const desk = loadDeskConfig(process.env);

await runAgent({
  config,
  createExecutor: async ({ logger }) => {
    const sql = await openDeskDatabase(desk);
    logger.info(
      { database: desk.DATABASE_URL ? `postgres schema ${desk.DESK_DATABASE_SCHEMA}` : desk.DATA_DIR },
      'desk database',
    );
    const parts = await createDeskAgent({ sql, config: desk, logger });
    return { ...parts, close: () => sql.close() };
  },
});
