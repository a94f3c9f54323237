import { fileURLToPath } from 'node:url';
import type { AgentCard } from '@a2a-js/sdk';
import { loadAgentCard } from '../../agents/runtime/index.js';

/** Where the orchestrator's own agent card lives. */
export const ORCHESTRATOR_CARD_PATH = fileURLToPath(
  new URL('../../agent-cards/orchestrator.json', import.meta.url),
);

/**
 * Loads and validates the orchestrator's card, its JSON-RPC interface at `publicUrl` + `/a2a` and its HTTP+JSON
 * interface at `publicUrl` + `/rest`; throws when invalid.
 */
export function loadOrchestratorCard(options: { publicUrl: string; path?: string }): Promise<AgentCard> {
  const base = options.publicUrl.replace(/\/$/, '');
  return loadAgentCard({
    path: options.path ?? ORCHESTRATOR_CARD_PATH,
    interfaceUrl: `${base}/a2a`,
    restUrl: `${base}/rest`,
  });
}
