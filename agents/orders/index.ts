export { type OrderView, orderChoice, orderLead, statusLabel, toOrderView } from './answer.js';
export { loadOrdersConfig, type OrdersConfig, ordersConfigSchema } from './config.js';
export { type OrderConnector, OrderConnectorError, type OrderConnectorFailure } from './connector.js';
export { createDemoConnector, DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID, demoOrders } from './demo-connector.js';
export { createOrdersExecutor, type OrdersExecutorOptions } from './executor.js';
export { createHttpConnector, type HttpConnectorOptions } from './http-connector.js';
export { type OrderIntent, parseOrderIntent } from './intent.js';
export {
  type Order,
  type OrderItem,
  type OrderStatus,
  orderSchema,
  orderStatusSchema,
  type Tracking,
} from './order.js';
