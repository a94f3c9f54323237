import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AgentCard, TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutor,
  DefaultExecutionEventBusManager,
  DefaultRequestHandler,
  type ExecutionEventBusManager,
  type TaskStore,
} from '@a2a-js/sdk/server';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { TlsMaterial } from '../../certs/certs.js';
import { cardRoute, rpcPaths } from './card-route.js';
import { createJsonRpcHandler } from './json-rpc.js';
import type { Logger } from './logger.js';
import { type AgentEnv, peerIdentity, trustedCallers } from './peer.js';
import { createRestHandler, REST_BODY_TOO_LARGE, REST_CALLER_REFUSED } from './rest.js';
import type { TokenVerifier } from './service-token.js';
import { BoundedTaskStore } from './task-store.js';
import { traceExecutor, traceRequests } from './tracing.js';

export interface AgentAppOptions {
  /** The agent's card, its JSON-RPC interface URL already set from configuration. */
  card: AgentCard;
  executor: AgentExecutor;
  verifier: TokenVerifier;
  logger: Logger;
  /** Defaults to a {@link BoundedTaskStore}. */
  taskStore?: TaskStore;
  /** Largest JSON-RPC body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Defaults to the SDK's; an agent whose tasks outlive one request (the desk) keeps its own buses. */
  eventBusManager?: ExecutionEventBusManager;
  /** States in which a task's bus stays open after the executor returns (the SDK's default: the interrupted ones). */
  keepBusAliveStates?: TaskState[];
  /**
   * Common names of the mesh certificates allowed to call JSON-RPC (default: the orchestrator's); the card and the
   * health probe stay readable by any mesh member.
   */
  trustedCallers?: readonly string[];
}

/** Who may call an agent's JSON-RPC interface unless configured otherwise: the orchestrator only. */
export const DEFAULT_TRUSTED_CALLERS: readonly string[] = ['orchestrator'];

/** Builds an agent's Hono app: the public card, A2A JSON-RPC behind service tokens, and a health probe. */
export function createAgentApp(options: AgentAppOptions): Hono<AgentEnv> {
  const { card, executor, verifier, logger, maxBodyBytes = 256 * 1024 } = options;
  const taskStore = options.taskStore ?? new BoundedTaskStore();
  const requestHandler = new DefaultRequestHandler(
    card,
    taskStore,
    traceExecutor(executor, card.name),
    options.eventBusManager ?? new DefaultExecutionEventBusManager(),
    undefined,
    undefined,
    undefined,
    undefined,
    options.keepBusAliveStates ? { keepBusAliveStates: options.keepBusAliveStates } : {},
  );
  const jsonRpcUrl = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC')?.url;
  if (!jsonRpcUrl) throw new Error(`agent "${card.name}" declares no JSONRPC interface`);
  const rpcPath = new URL(jsonRpcUrl).pathname;

  const app = new Hono<AgentEnv>();
  app.use(peerIdentity());
  app.get('/.well-known/agent-card.json', cardRoute(card, { maxAgeSec: 60 }));
  app.get('/healthz', (c) => c.json({ status: 'ok', agent: card.name }));
  app.on(
    'POST',
    rpcPaths(rpcPath),
    traceRequests({ continueTrace: true, name: `POST ${rpcPath}` }),
    trustedCallers(options.trustedCallers ?? DEFAULT_TRUSTED_CALLERS, (peer) =>
      logger.warn(
        { event: 'caller_refused', peer },
        'mesh caller not trusted: its calls on this connection are refused',
      ),
    ),
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }, 413),
    }),
    createJsonRpcHandler({ card, requestHandler, verifier, logger }),
  );
  // The HTTP+JSON binding, when the card declares it: the same caller check, body limit and token rule.
  const restUrl = card.supportedInterfaces.find((i) => i.protocolBinding === 'HTTP+JSON')?.url;
  if (restUrl) {
    const restPath = new URL(restUrl).pathname.replace(/\/+$/, '');
    app.use(
      `${restPath}/*`,
      traceRequests({ continueTrace: true, name: `${restPath}` }),
      trustedCallers(
        options.trustedCallers ?? DEFAULT_TRUSTED_CALLERS,
        (peer) =>
          logger.warn(
            { event: 'caller_refused', peer },
            'mesh caller not trusted: its calls on this connection are refused',
          ),
        REST_CALLER_REFUSED,
      ),
      bodyLimit({ maxSize: maxBodyBytes, onError: (c) => c.json(REST_BODY_TOO_LARGE, 413) }),
    );
    app.all(`${restPath}/*`, createRestHandler({ card, requestHandler, verifier, logger, prefix: restPath }));
  }
  app.notFound((c) => c.json({ code: 'not_found', message: 'no such route' }, 404));
  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'internal error' } }, 500);
  });
  return app;
}

export interface StartAgentServerOptions {
  app: Hono<AgentEnv>;
  tls: TlsMaterial;
  port: number;
  host?: string;
}

/** A running HTTPS server. */
export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `app` over HTTPS with mutual TLS: a client without a certificate from the mesh CA is refused during the
 * handshake, before any HTTP is read.
 */
export function startAgentServer(options: StartAgentServerOptions): Promise<RunningServer> {
  const { app, tls, port, host = '0.0.0.0' } = options;
  return listenTls({
    fetch: app.fetch,
    port,
    host,
    serverOptions: { ca: tls.ca, cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: true },
  });
}

/** Starts `fetch` on an HTTPS server with `serverOptions`; resolves once listening. */
export function listenTls(options: {
  fetch: (request: Request, env: never) => Response | Promise<Response>;
  port: number;
  host: string;
  serverOptions: import('node:https').ServerOptions;
}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: options.fetch as never,
        port: options.port,
        hostname: options.host,
        createServer,
        serverOptions: { keepAliveTimeout: 65_000, ...options.serverOptions },
      },
      (info: AddressInfo) => {
        resolve({
          server: server as Server,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              (server as Server).close(() => done());
              (server as Server).closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}
