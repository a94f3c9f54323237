export { createDeskAgent, type DeskAgentOptions, openDeskDatabase } from './app.js';
export { HandoffBuses } from './buses.js';
export { type CannedReplies, createCannedReplies, loadCannedReplies } from './canned-replies.js';
export { type DeskConfig, deskConfigSchema, loadDeskConfig } from './config.js';
export { DESK_MIGRATIONS } from './db/migrations.js';
export { DEFAULT_WAIT_SEC, estimateWaitSec, median } from './estimate.js';
export { type BusinessHours, isOpen, type OpeningRange, parseBusinessHours } from './hours.js';
export { createSmtpMailer, type TicketMailer } from './mailer.js';
export { DeskTaskStore } from './task-store.js';
