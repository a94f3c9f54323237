import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard, type Message, Role, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus } from '@a2a-js/sdk/server';
import { generateCerts, loadTlsMaterial, type TlsMaterial } from '../../../certs/certs.js';

// Shared by end-to-end tests: real certificates in a temp folder, a card and a small executor.

/** Mesh certificates (and a foreign CA's) generated once into a temp folder. */
export interface TestPki {
  dir: string;
  foreignDir: string;
  tls(service: string): Promise<TlsMaterial>;
  foreignTls(service: string): Promise<TlsMaterial>;
}

/** Generates a mesh PKI plus an unrelated CA with a certificate named like a mesh service. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'atende-pki-'));
  const foreignDir = await mkdtemp(join(tmpdir(), 'atende-foreign-pki-'));
  await generateCerts({ dir, services: ['orchestrator', 'assistant', 'testagent'] });
  await generateCerts({ dir: foreignDir, services: ['orchestrator'], organization: 'Someone else' });
  return {
    dir,
    foreignDir,
    tls: (service) => loadTlsMaterial(dir, service),
    foreignTls: (service) => loadTlsMaterial(foreignDir, service),
  };
}

/** A card for a test agent with one skill `echo` that needs scope `test:echo`. */
export function testCard(interfaceUrl: string, overrides: Record<string, unknown> = {}): AgentCard {
  return AgentCard.fromJSON({
    name: 'Test Agent',
    description: 'Echoes messages for tests.',
    version: '1.0.0',
    supportedInterfaces: [{ url: interfaceUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true },
    securitySchemes: {
      mtls: { mtlsSecurityScheme: { description: 'mesh certificate' } },
      serviceToken: { httpAuthSecurityScheme: { scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    securityRequirements: [{ schemes: { mtls: { list: [] }, serviceToken: { list: [] } } }],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'echo',
        name: 'Echo',
        description: 'Repeats the message word by word.',
        tags: ['echo', 'test'],
        examples: ['repeat after me'],
        securityRequirements: [{ schemes: { mtls: { list: [] }, serviceToken: { list: ['test:echo'] } } }],
      },
    ],
    ...overrides,
  });
}

/** A user message as the SDK's types want it. */
export function userMessage(text: string, extra: Partial<Message> = {}): Message {
  return {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [
      { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' },
    ],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
    ...extra,
  };
}

function text(value: string) {
  return {
    content: { $case: 'text' as const, value },
    metadata: undefined,
    filename: '',
    mediaType: 'text/plain',
  };
}

/**
 * Streams each word of the message as an artifact chunk, `delayMs` apart; the word `hang` makes it wait until
 * canceled, and `crash` makes the process exit mid-stream (for a child-process agent).
 */
export function echoExecutor(
  options: { delayMs?: number; onCrash?: () => void; hang?: boolean } = {},
): AgentExecutor {
  const running = new Map<string, AbortController>();
  const contexts = new Map<string, string>();
  return {
    async execute(ctx, bus: ExecutionEventBus) {
      const abort = new AbortController();
      running.set(ctx.taskId, abort);
      contexts.set(ctx.taskId, ctx.contextId);
      const words = ctx.userMessage.parts.flatMap((p) =>
        p.content?.$case === 'text' ? p.content.value.split(' ') : [],
      );
      const base = { taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined };
      bus.publish(
        AgentEvent.task({
          id: ctx.taskId,
          contextId: ctx.contextId,
          status: {
            state: TaskState.TASK_STATE_WORKING,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          artifacts: [],
          history: [ctx.userMessage],
          metadata: undefined,
        }),
      );
      for (const [i, word] of words.entries()) {
        if (abort.signal.aborted) return;
        if (word === 'hang' || options.hang) {
          await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
          return;
        }
        if (word === 'crash') options.onCrash?.();
        bus.publish(
          AgentEvent.artifactUpdate({
            ...base,
            artifact: {
              artifactId: 'answer',
              name: 'answer',
              description: '',
              parts: [text(i === 0 ? word : ` ${word}`)],
              metadata: undefined,
              extensions: [],
            },
            append: i > 0,
            lastChunk: i === words.length - 1,
          }),
        );
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      }
      running.delete(ctx.taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          ...base,
          status: {
            state: TaskState.TASK_STATE_COMPLETED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
        }),
      );
    },
    async cancelTask(taskId, bus) {
      running.get(taskId)?.abort();
      running.delete(taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: contexts.get(taskId) ?? '',
          status: {
            state: TaskState.TASK_STATE_CANCELED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          metadata: undefined,
        }),
      );
    },
  };
}

/** A free TCP port on 127.0.0.1 (released before returning, so a server can take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
