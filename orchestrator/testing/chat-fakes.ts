import { AgentCard } from '@a2a-js/sdk';
import type { SkillTarget } from '../mesh/agent-directory.js';
import { AgentCallError, type Dispatcher, type DispatchRequest, type TaskUpdate } from '../mesh/dispatch.js';

/** An agent with one skill, as the directory knows it: tags, examples and the scope its card requires. */
export function skillTarget(options: {
  name: string;
  skill: string;
  tags?: string[];
  examples?: string[];
  description?: string;
  scopes?: string[];
  state?: SkillTarget['agent']['state'];
}): SkillTarget {
  const rpcUrl = `https://${options.name}.test/a2a`;
  const card = AgentCard.fromJSON({
    name: options.name,
    description: `${options.name} for tests`,
    version: '1.0.0',
    supportedInterfaces: [{ url: rpcUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true },
    securitySchemes: {
      serviceToken: { httpAuthSecurityScheme: { scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: options.skill,
        name: options.skill,
        description: options.description ?? options.skill,
        tags: options.tags ?? [options.skill],
        examples: options.examples ?? [],
        securityRequirements: [{ schemes: { serviceToken: { list: options.scopes ?? [] } } }],
      },
    ],
  });
  const skill = card.skills[0];
  if (!skill) throw new Error('the card has no skill');
  return {
    agent: { baseUrl: `https://${options.name}.test`, card, rpcUrl, state: options.state ?? 'up' },
    skill,
  };
}

/** What a fake agent does with one request: the updates it streams, or an outcome it fails with. */
export type FakeTask = (request: DispatchRequest) => AsyncIterable<TaskUpdate>;

/** A dispatcher that plays a script per skill id and keeps every request it saw. */
export function fakeDispatcher(script: Record<string, FakeTask>) {
  const requests: DispatchRequest[] = [];
  const dispatcher: Dispatcher = {
    async *stream(request) {
      requests.push(request);
      const task = script[request.target.skill.id];
      if (!task) throw new AgentCallError('unavailable', `no fake for ${request.target.skill.id}`);
      yield* task(request);
    },
  };
  return { dispatcher, requests };
}

/** A task that streams `chunks` of text (then the data parts, if any) and completes. */
export function answers(chunks: string[], data: Record<string, unknown>[] = []): FakeTask {
  return async function* () {
    yield { kind: 'task', taskId: 'task-1' };
    for (const text of chunks) yield { kind: 'text', text };
    for (const value of data) yield { kind: 'data', artifactId: 'data', data: value };
    yield { kind: 'completed' };
  };
}

/** A task that fails with `outcome`, after streaming `chunks` of text. */
export function fails(outcome: AgentCallError['outcome'], chunks: string[] = []): FakeTask {
  return async function* () {
    yield { kind: 'task', taskId: 'task-1' };
    for (const text of chunks) yield { kind: 'text', text };
    throw new AgentCallError(outcome, `fake ${outcome}`);
  };
}

/** A task that waits `ms` (or until canceled) before answering `text`. */
export function slow(ms: number, text: string): FakeTask {
  return async function* (request) {
    yield { kind: 'task', taskId: 'task-1' };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      request.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new AgentCallError('canceled', 'canceled'));
      });
    });
    yield { kind: 'text', text };
    yield { kind: 'completed' };
  };
}
