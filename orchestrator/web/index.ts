export { buildWeb, ensureWebBuild, readWebManifest, type WebManifest } from './build.js';
export { IMMUTABLE, type WebRoutesDeps, webRoutes } from './routes.js';
