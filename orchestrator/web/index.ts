export { type WebRoutesDeps, webRoutes } from './routes.js';
