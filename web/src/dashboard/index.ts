import { AtendeDashboard } from './atende-dashboard.js';
import { AtendeDashboardConversations } from './atende-dashboard-conversations.js';

if (!customElements.get('atende-dashboard-conversations')) {
  customElements.define('atende-dashboard-conversations', AtendeDashboardConversations);
}
if (!customElements.get('atende-dashboard')) customElements.define('atende-dashboard', AtendeDashboard);

export type { DashboardApi, DashboardStaff } from './api.js';
export type { DashboardLocale } from './format.js';
export { AtendeDashboard, AtendeDashboardConversations };
