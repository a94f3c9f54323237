import '../operator/index.js';
import '../inspector/index.js';
import { AtendeAgents } from './atende-agents.js';
import { AtendeConsole } from './atende-console.js';
import { AtendeSettings } from './atende-settings.js';

for (const [name, element] of [
  ['atende-agents', AtendeAgents],
  ['atende-settings', AtendeSettings],
  ['atende-console', AtendeConsole],
] as const) {
  if (!customElements.get(name)) customElements.define(name, element);
}

export type { ApiFetch, ConsoleLocale, ConsoleSection, StaffIdentity } from './section.js';
export { AtendeAgents, AtendeConsole, AtendeSettings };
