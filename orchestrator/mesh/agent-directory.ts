import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { Logger } from '../../agents/runtime/index.js';
import { parseAgentCard } from '../../agents/runtime/index.js';
import { type ScopePolicy, skillScopes, ungrantedScopes } from './scope-policy.js';

/** What the orchestrator knows of one configured agent. */
export interface AgentEntry {
  /** Base URL from configuration. */
  baseUrl: string;
  state: 'unknown' | 'up' | 'down' | 'invalid';
  card?: AgentCard;
  /** JSON-RPC endpoint from the card; also the audience of the agent's service tokens. */
  rpcUrl?: string;
  lastCheckedAt?: Date;
  lastError?: string;
  /** The card-signing key whose signature verified the card, when signatures are checked. */
  signedBy?: string;
}

/** A skill of an agent that is up, as chosen by routing. */
export interface SkillTarget {
  agent: AgentEntry & { card: AgentCard; rpcUrl: string };
  skill: AgentSkill;
}

/** The agents discovered from their cards, kept fresh. */
export interface AgentDirectory {
  list(): AgentEntry[];
  /** Agents that are up. */
  available(): SkillTarget['agent'][];
  /** Re-reads every card now. */
  refresh(): Promise<void>;
  /** Marks an agent down after a failed call, until the next successful refresh. */
  markDown(baseUrl: string, reason: string): void;
  start(intervalMs: number): void;
  stop(): void;
}

/** Creates a directory that fetches `${baseUrl}/.well-known/agent-card.json` over mTLS for each configured agent. */
export function createAgentDirectory(options: {
  baseUrls: string[];
  fetch: typeof fetch;
  logger: Logger;
  /** When given, a card whose skills need scopes that no role may hold is reported: no message can reach them. */
  scopePolicy?: ScopePolicy;
  /**
   * When given, a card must pass it (the deployment's signature, see `createCardSignatureCheck`) or the agent is
   * `invalid` and no message reaches it; resolves with the key that signed.
   */
  verifyCard?: (card: AgentCard) => Promise<{ kid: string }>;
  timeoutMs?: number;
  now?: () => Date;
}): AgentDirectory {
  const { fetch: mtlsFetch, logger, timeoutMs = 3_000, now = () => new Date() } = options;
  const entries = new Map<string, AgentEntry>(
    options.baseUrls.map((url) => [
      url.replace(/\/$/, ''),
      { baseUrl: url.replace(/\/$/, ''), state: 'unknown' },
    ]),
  );
  let timer: NodeJS.Timeout | undefined;

  async function check(entry: AgentEntry): Promise<void> {
    const previous = entry.state;
    try {
      const response = await mtlsFetch(`${entry.baseUrl}/.well-known/agent-card.json`, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`card request answered HTTP ${response.status}`);
      const json: unknown = await response.json();
      let card: AgentCard;
      try {
        card = parseAgentCard(json, `${entry.baseUrl} card`);
      } catch (error) {
        entry.state = 'invalid';
        entry.lastError = (error as Error).message;
        return;
      }
      if (options.verifyCard) {
        try {
          entry.signedBy = (await options.verifyCard(card)).kid;
        } catch (error) {
          entry.state = 'invalid';
          entry.signedBy = undefined;
          entry.lastError = `card signature refused: ${(error as Error).message}`;
          return;
        }
      }
      const rpc = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC');
      if (!rpc) throw new Error('the card declares no JSONRPC interface');
      // The interface URL becomes the audience of the agent's tokens: it must be the agent we asked.
      if (new URL(rpc.url).origin !== new URL(entry.baseUrl).origin) {
        entry.state = 'invalid';
        entry.lastError = `the card's JSONRPC interface ${rpc.url} is not served by ${entry.baseUrl}`;
        return;
      }
      // The HTTP+JSON interface (AGENT_BINDING=http+json) is held to the same origin.
      const rest = card.supportedInterfaces.find((i) => i.protocolBinding === 'HTTP+JSON');
      if (rest && new URL(rest.url).origin !== new URL(entry.baseUrl).origin) {
        entry.state = 'invalid';
        entry.lastError = `the card's HTTP+JSON interface ${rest.url} is not served by ${entry.baseUrl}`;
        return;
      }
      if (options.scopePolicy && previous !== 'up') {
        for (const skill of card.skills) {
          const ungranted = ungrantedScopes(options.scopePolicy, skillScopes(card, skill));
          if (ungranted.length) {
            logger.warn(
              { agent: entry.baseUrl, skill: skill.id, scopes: ungranted },
              'no role may hold these scopes (SCOPE_POLICY), so no message will reach this skill',
            );
          }
        }
      }
      entry.card = card;
      entry.rpcUrl = rpc.url;
      entry.state = 'up';
      entry.lastError = undefined;
    } catch (error) {
      entry.state = 'down';
      entry.lastError = (error as Error).cause ? String((error as Error).cause) : (error as Error).message;
    } finally {
      entry.lastCheckedAt = now();
      if (entry.state !== previous) {
        logger.info(
          { agent: entry.baseUrl, state: entry.state, error: entry.lastError },
          'agent state changed',
        );
      }
    }
  }

  return {
    list: () => [...entries.values()],
    available: () =>
      [...entries.values()].filter(
        (e): e is SkillTarget['agent'] => e.state === 'up' && e.card !== undefined && e.rpcUrl !== undefined,
      ),
    refresh: async () => {
      await Promise.all([...entries.values()].map(check));
    },
    markDown(baseUrl, reason) {
      const entry = entries.get(baseUrl);
      if (entry && entry.state === 'up') {
        entry.state = 'down';
        entry.lastError = reason;
        logger.warn({ agent: baseUrl, reason }, 'agent marked down');
      }
    },
    start(intervalMs) {
      // Agents that are up are re-read every `intervalMs`; the others every tick, so one that comes back joins fast.
      const tick = Math.min(intervalMs, 2_000);
      timer ??= setInterval(() => {
        const due = [...entries.values()].filter(
          (e) =>
            e.state !== 'up' || !e.lastCheckedAt || now().getTime() - e.lastCheckedAt.getTime() >= intervalMs,
        );
        void Promise.all(due.map(check));
      }, tick);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** An in-memory directory of fixed cards, all up: for tests and for agents pinned by configuration. */
export function createStaticAgentDirectory(
  agents: Array<{ baseUrl: string; card: AgentCard }>,
): AgentDirectory {
  const entries: AgentEntry[] = agents.map(({ baseUrl, card }) => ({
    baseUrl,
    card,
    state: 'up',
    rpcUrl: card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC')?.url,
    lastCheckedAt: new Date(),
  }));
  return {
    list: () => entries,
    available: () =>
      entries.filter((e): e is SkillTarget['agent'] => e.state === 'up' && !!e.card && !!e.rpcUrl),
    refresh: async () => undefined,
    markDown(baseUrl, reason) {
      const entry = entries.find((e) => e.baseUrl === baseUrl);
      if (entry) Object.assign(entry, { state: 'down', lastError: reason });
    },
    start: () => undefined,
    stop: () => undefined,
  };
}
