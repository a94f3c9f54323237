import { loadAgentConfig, runAgent } from '../runtime/index.js';
import { loadOrdersConfig } from './config.js';
import { createDemoConnector } from './demo-connector.js';
import { createOrdersExecutor } from './executor.js';
import { createHttpConnector } from './http-connector.js';

const config = loadAgentConfig(process.env, { name: 'orders', port: 9103 });
const orders = loadOrdersConfig(process.env);
const now = () => new Date();

await runAgent({
  config,
  createExecutor: ({ logger }) => {
    const connector = orders.ORDERS_API_URL
      ? createHttpConnector({
          baseUrl: orders.ORDERS_API_URL,
          fetch,
          apiKey: orders.ORDERS_API_KEY,
          timeoutMs: orders.ORDERS_API_TIMEOUT_MS,
        })
      : createDemoConnector({ now });
    logger.info(
      { source: orders.ORDERS_API_URL ? new URL(orders.ORDERS_API_URL).origin : 'demo' },
      'order source',
    );
    return createOrdersExecutor({ connector, logger, now });
  },
});
