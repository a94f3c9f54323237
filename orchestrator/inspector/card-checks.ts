import { validateAgentCardJson } from '../../agents/runtime/index.js';

/** A problem found in a card: an `error` makes it invalid, a `warning` only limits what the mesh can do with it. */
export interface CardFinding {
  severity: 'error' | 'warning';
  path: string;
  message: string;
}

/** One skill as the inspector shows it. */
export interface SkillSummary {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples: string[];
  inputModes: string[];
  outputModes: string[];
  /** Each alternative in words, e.g. `mtls + serviceToken (orders:read)`. */
  security: string[];
}

/** What the inspector shows of a card, read leniently so that even a broken card shows what it can. */
export interface CardSummary {
  name: string;
  description: string;
  version: string;
  provider?: string;
  interfaces: Array<{ url: string; protocolBinding: string; protocolVersion: string }>;
  capabilities: Record<string, unknown>;
  securitySchemes: Array<{ name: string; type: string; detail: string }>;
  security: string[];
  skills: SkillSummary[];
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');

function describeRequirements(requirements: unknown): string[] {
  return arr(requirements).map((req) =>
    Object.entries(obj(obj(req).schemes))
      .map(([name, list]) => {
        const scopes = strs(obj(list).list);
        return scopes.length ? `${name} (${scopes.join(', ')})` : name;
      })
      .join(' + '),
  );
}

function describeScheme(scheme: Json): { type: string; detail: string } {
  const [type = 'unknown', value] = Object.entries(scheme)[0] ?? [];
  const v = obj(value);
  switch (type) {
    case 'mtlsSecurityScheme':
      return { type: 'mutual TLS', detail: str(v.description) };
    case 'httpAuthSecurityScheme':
      return {
        type: `HTTP ${str(v.scheme)}${v.bearerFormat ? ` (${str(v.bearerFormat)})` : ''}`,
        detail: str(v.description),
      };
    case 'apiKeySecurityScheme':
      return { type: `API key in ${str(v.location)} "${str(v.name)}"`, detail: str(v.description) };
    case 'openIdConnectSecurityScheme':
      return { type: 'OpenID Connect', detail: str(v.openIdConnectUrl) };
    case 'oauth2SecurityScheme':
      return { type: 'OAuth 2', detail: str(v.description) };
    default:
      return { type, detail: '' };
  }
}

/** The card's parts the inspector displays; tolerant of missing or wrongly typed fields. */
export function summarizeCard(json: unknown): CardSummary {
  const card = obj(json);
  const provider = obj(card.provider);
  return {
    name: str(card.name),
    description: str(card.description),
    version: str(card.version),
    provider: provider.organization ? `${str(provider.organization)} ${str(provider.url)}`.trim() : undefined,
    interfaces: arr(card.supportedInterfaces).map((i) => ({
      url: str(obj(i).url),
      protocolBinding: str(obj(i).protocolBinding),
      protocolVersion: str(obj(i).protocolVersion),
    })),
    capabilities: obj(card.capabilities),
    securitySchemes: Object.entries(obj(card.securitySchemes)).map(([name, s]) => ({
      name,
      ...describeScheme(obj(s)),
    })),
    security: describeRequirements(card.securityRequirements),
    skills: arr(card.skills).map((s) => {
      const skill = obj(s);
      const own = describeRequirements(skill.securityRequirements);
      return {
        id: str(skill.id),
        name: str(skill.name),
        description: str(skill.description),
        tags: strs(skill.tags),
        examples: strs(skill.examples),
        inputModes: strs(skill.inputModes),
        outputModes: strs(skill.outputModes),
        security: own.length ? own : describeRequirements(card.securityRequirements),
      };
    }),
  };
}

/**
 * Checks a card against A2A v1.0 (errors, from {@link validateAgentCardJson}) and against what this mesh needs
 * to use it (warnings): a JSON-RPC interface over https speaking 1.0, streaming, declared security, examples.
 */
export function checkCard(json: unknown, options: { cardUrl?: string } = {}): CardFinding[] {
  const findings: CardFinding[] = validateAgentCardJson(json).map((p) => ({
    severity: 'error' as const,
    path: p.path,
    message: p.message,
  }));
  if (!json || typeof json !== 'object' || Array.isArray(json)) return findings;
  const card = obj(json);
  // zod skips the schema's cross-field checks once a field is wrong; run them here so every problem shows at once.
  for (const problem of crossReferenceProblems(card)) {
    if (!findings.some((f) => f.path === problem.path && f.message === problem.message))
      findings.push(problem);
  }
  const warn = (path: string, message: string) => findings.push({ severity: 'warning', path, message });
  const interfaces = arr(card.supportedInterfaces).map(obj);
  if (interfaces.length && !interfaces.some((i) => i.protocolBinding === 'JSONRPC')) {
    warn(
      'supportedInterfaces',
      'no JSONRPC interface: the Atende orchestrator can only call agents over JSON-RPC',
    );
  }
  const cardHost = options.cardUrl ? safeHost(options.cardUrl) : undefined;
  interfaces.forEach((i, n) => {
    const url = str(i.url);
    if (url.startsWith('http:'))
      warn(`supportedInterfaces.${n}.url`, 'the interface is plain http; A2A requires https in production');
    if (i.protocolVersion && i.protocolVersion !== '1.0') {
      warn(
        `supportedInterfaces.${n}.protocolVersion`,
        `protocol version ${str(i.protocolVersion)}; this mesh speaks A2A 1.0`,
      );
    }
    const host = safeHost(url);
    if (cardHost && host && host !== cardHost) {
      warn(
        `supportedInterfaces.${n}.url`,
        `the interface is on ${host}, not on ${cardHost} where the card was found`,
      );
    }
  });
  if (obj(card.capabilities).streaming !== true) {
    warn(
      'capabilities.streaming',
      'streaming is not declared: replies would arrive all at once, not word by word',
    );
  }
  if (!Object.keys(obj(card.securitySchemes)).length) {
    warn('securitySchemes', 'no security schemes: the mesh expects mutual TLS and a bearer service token');
  }
  arr(card.skills).forEach((s, n) => {
    if (!strs(obj(s).examples).length) {
      warn(
        `skills.${n}.examples`,
        'no examples: the orchestrator routes messages by tags and examples, so this skill is hard to reach',
      );
    }
  });
  return findings;
}

function crossReferenceProblems(card: Json): CardFinding[] {
  const problems: CardFinding[] = [];
  const declared = new Set(Object.keys(obj(card.securitySchemes)));
  const check = (requirements: unknown, path: string) =>
    arr(requirements).forEach((req, i) => {
      for (const name of Object.keys(obj(obj(req).schemes))) {
        if (!declared.has(name)) {
          problems.push({
            severity: 'error',
            path: `${path}.${i}.schemes.${name}`,
            message: `security requirement names the scheme "${name}", which securitySchemes does not declare`,
          });
        }
      }
    });
  check(card.securityRequirements, 'securityRequirements');
  const ids = new Set<string>();
  arr(card.skills).forEach((s, i) => {
    const skill = obj(s);
    check(skill.securityRequirements, `skills.${i}.securityRequirements`);
    const id = str(skill.id);
    if (id && ids.has(id))
      problems.push({ severity: 'error', path: `skills.${i}.id`, message: `duplicate skill id "${id}"` });
    ids.add(id);
  });
  return problems;
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
