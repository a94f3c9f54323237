import { readFile } from 'node:fs/promises';
import { AgentCard } from '@a2a-js/sdk';
import { z } from 'zod';

// Proto JSON omits empty lists, so `list` may be absent.
const stringList = z.object({ list: z.array(z.string()).optional() }).strict();
const securityRequirementSchema = z.object({ schemes: z.record(z.string(), stringList) }).strict();

const securitySchemeSchema = z
  .object({
    apiKeySecurityScheme: z
      .object({ description: z.string().optional(), location: z.string(), name: z.string() })
      .optional(),
    httpAuthSecurityScheme: z
      .object({ description: z.string().optional(), scheme: z.string(), bearerFormat: z.string().optional() })
      .optional(),
    oauth2SecurityScheme: z.object({}).passthrough().optional(),
    openIdConnectSecurityScheme: z
      .object({ description: z.string().optional(), openIdConnectUrl: z.string().url() })
      .optional(),
    mtlsSecurityScheme: z.object({ description: z.string().optional() }).optional(),
  })
  .strict()
  .refine((s) => Object.values(s).filter((v) => v !== undefined).length === 1, {
    message: 'a security scheme must set exactly one of apiKey, httpAuth, oauth2, openIdConnect or mtls',
  });

const interfaceSchema = z
  .object({
    url: z.string().url(),
    protocolBinding: z.enum(['JSONRPC', 'GRPC', 'HTTP+JSON']),
    protocolVersion: z.string().regex(/^\d+\.\d+$/, 'protocolVersion must look like "1.0"'),
    tenant: z.string().optional(),
  })
  .strict();

const skillSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    description: z.string().min(1),
    tags: z.array(z.string()).min(1, 'a skill needs at least one tag'),
    examples: z.array(z.string()).optional(),
    inputModes: z.array(z.string()).optional(),
    outputModes: z.array(z.string()).optional(),
    securityRequirements: z.array(securityRequirementSchema).optional(),
  })
  .strict();

/** zod schema of an A2A v1.0 `AgentCard` in its JSON wire form (the form of the files in `agent-cards/`). */
export const agentCardJsonSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1),
    version: z.string().min(1),
    supportedInterfaces: z.array(interfaceSchema).min(1, 'a card needs at least one supported interface'),
    provider: z
      .object({ organization: z.string().min(1), url: z.string().url() })
      .strict()
      .optional(),
    documentationUrl: z.string().url().optional(),
    iconUrl: z.string().url().optional(),
    capabilities: z
      .object({
        streaming: z.boolean().optional(),
        pushNotifications: z.boolean().optional(),
        extendedAgentCard: z.boolean().optional(),
        extensions: z.array(z.object({}).passthrough()).optional(),
      })
      .strict(),
    securitySchemes: z.record(z.string(), securitySchemeSchema).optional(),
    securityRequirements: z.array(securityRequirementSchema).optional(),
    defaultInputModes: z.array(z.string()).min(1),
    defaultOutputModes: z.array(z.string()).min(1),
    skills: z.array(skillSchema).min(1, 'a card needs at least one skill'),
    signatures: z
      .array(
        z.object({
          protected: z.string(),
          signature: z.string(),
          header: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .optional(),
  })
  .strict()
  .superRefine((card, ctx) => {
    const schemes = card.securitySchemes ?? {};
    const check = (
      reqs: z.infer<typeof securityRequirementSchema>[] | undefined,
      path: (string | number)[],
    ) => {
      reqs?.forEach((req, i) => {
        for (const name of Object.keys(req.schemes)) {
          if (!(name in schemes)) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, i, 'schemes', name],
              message: `security requirement names the scheme "${name}", which securitySchemes does not declare`,
            });
          }
        }
      });
    };
    check(card.securityRequirements, ['securityRequirements']);
    card.skills.forEach((skill, i) => {
      check(skill.securityRequirements, ['skills', i, 'securityRequirements']);
    });
    const ids = new Set<string>();
    card.skills.forEach((skill, i) => {
      if (ids.has(skill.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['skills', i, 'id'],
          message: `duplicate skill id "${skill.id}"`,
        });
      }
      ids.add(skill.id);
    });
  });

/** The JSON wire form of an agent card, as validated by {@link agentCardJsonSchema}. */
export type AgentCardJson = z.infer<typeof agentCardJsonSchema>;

/** One problem found in a card, with the JSON path where it was found. */
export interface CardProblem {
  path: string;
  message: string;
}

/** Validates a card's JSON against A2A v1.0; returns the problems in words (empty when the card is valid). */
export function validateAgentCardJson(json: unknown): CardProblem[] {
  const result = agentCardJsonSchema.safeParse(json);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.join('.') : '(card)',
    message: issue.message,
  }));
}

/** Raised when a card file is missing or invalid; its message lists every problem. */
export class AgentCardError extends Error {
  constructor(
    message: string,
    readonly problems: CardProblem[] = [],
  ) {
    super(message);
    this.name = 'AgentCardError';
  }
}

/** Parses card JSON into the SDK's `AgentCard`, throwing an {@link AgentCardError} that lists every problem. */
export function parseAgentCard(json: unknown, source = 'agent card'): AgentCard {
  const problems = validateAgentCardJson(json);
  if (problems.length) {
    const list = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
    throw new AgentCardError(`${source} is not a valid A2A v1.0 agent card:\n${list}`, problems);
  }
  return AgentCard.fromJSON(json);
}

/**
 * Loads `path`, validates it, and sets the JSON-RPC interface URL to `interfaceUrl` (the address the agent is
 * reachable at, which only configuration knows). With `restUrl`, also declares the HTTP+JSON interface there (its
 * URL replaced when the file names one, else added after JSON-RPC with the same protocol version): set before the
 * card is signed.
 */
export async function loadAgentCard(options: {
  path: string;
  interfaceUrl: string;
  restUrl?: string;
}): Promise<AgentCard> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(options.path, 'utf8'));
  } catch (error) {
    throw new AgentCardError(`cannot read agent card ${options.path}: ${String(error)}`);
  }
  const card = parseAgentCard(json, options.path);
  const jsonRpc = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC');
  if (!jsonRpc) throw new AgentCardError(`${options.path} declares no JSONRPC interface`);
  jsonRpc.url = options.interfaceUrl;
  if (options.restUrl) {
    const rest = card.supportedInterfaces.find((i) => i.protocolBinding === 'HTTP+JSON');
    if (rest) rest.url = options.restUrl;
    else card.supportedInterfaces.push({ ...jsonRpc, url: options.restUrl, protocolBinding: 'HTTP+JSON' });
  }
  return card;
}

/** The card as JSON for `/.well-known/agent-card.json`. */
export function agentCardToJson(card: AgentCard): unknown {
  return AgentCard.toJSON(card);
}

/** Scopes that a bearer token must carry for a skill: each alternative is one security requirement's scopes. */
export function requiredScopeSets(card: AgentCard, skillId: string): string[][] | undefined {
  const skill = card.skills.find((s) => s.id === skillId);
  if (!skill) return undefined;
  const requirements = skill.securityRequirements.length
    ? skill.securityRequirements
    : card.securityRequirements;
  const bearerSchemes = new Set(
    Object.entries(card.securitySchemes)
      .filter(
        ([, s]) =>
          s.scheme?.$case === 'httpAuthSecurityScheme' && s.scheme.value.scheme.toLowerCase() === 'bearer',
      )
      .map(([name]) => name),
  );
  return requirements.map((req) =>
    Object.entries(req.schemes)
      .filter(([name]) => bearerSchemes.has(name))
      .flatMap(([, list]) => list.list),
  );
}
