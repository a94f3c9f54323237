export { type InspectorRoutesDeps, inspectorRoutes } from './routes.js';
