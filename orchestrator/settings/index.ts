export { type SettingsRoutesDeps, settingsRoutes } from './routes.js';
