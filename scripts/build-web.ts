import { join } from 'node:path';
import { buildWeb } from '../orchestrator/web/build.js';

// `npm run build:web`: builds the widget, the staff console and the pages into web/dist (replacing an older build).
const webDir = process.env.WEB_DIR ?? join(import.meta.dirname, '..', 'web');
const manifest = await buildWeb({ webDir });
console.log(`[build:web] ${join(webDir, 'dist')}: widget ${manifest.widget}, console ${manifest.console}`);
