// One benchmark server process: the assistant's executor (retrieval only) behind either Atende's Hono runtime
// (`hono`: createAgentApp + startAgentServer, BoundedTaskStore) or the SDK's own Express adapter (`express`:
// jsonRpcHandler + agentCardHandler on https.createServer, InMemoryTaskStore), with the same mTLS options and the
// same service-token verification. Prints `ready <port>` on stdout.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DefaultRequestHandler, InMemoryTaskStore, type User } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler } from '@a2a-js/sdk/server/express';
import express from 'express';
import { createLocalJWKSet } from 'jose';
import { createAssistantExecutor, createRetriever, loadKnowledgeBase } from '../../agents/assistant/index.js';
import { loadAgentCard } from '../../agents/runtime/card.js';
import { createLogger } from '../../agents/runtime/logger.js';
import { createAgentApp, startAgentServer } from '../../agents/runtime/server.js';
import { createTokenVerifier, hasScopes, ServiceTokenError } from '../../agents/runtime/service-token.js';
import { BoundedTaskStore } from '../../agents/runtime/task-store.js';
import { loadTlsMaterial } from '../../certs/certs.js';

const kind = process.argv[2];
const { BENCH_CERTS_DIR, BENCH_JWKS, BENCH_PORT = '0', BENCH_ISSUER = 'atende-orchestrator' } = process.env;
if ((kind !== 'hono' && kind !== 'express') || !BENCH_CERTS_DIR || !BENCH_JWKS) {
  throw new Error('usage: BENCH_CERTS_DIR=… BENCH_JWKS=… tsx bench/servers/assistant.ts hono|express');
}
const port = Number(BENCH_PORT);
const root = join(import.meta.dirname, '..', '..');
const tls = await loadTlsMaterial(BENCH_CERTS_DIR, 'assistant');
const interfaceUrl = `https://localhost:${port}/a2a`;
const card = await loadAgentCard({ path: join(root, 'agent-cards', 'assistant.json'), interfaceUrl });
const logger = createLogger({ name: `bench-${kind}`, level: 'silent' });
const entries = await loadKnowledgeBase(new URL('../../agents/assistant/faq.json', import.meta.url));
const executor = createAssistantExecutor({ retriever: createRetriever({ entries }), logger });
const verifier = createTokenVerifier({
  keys: createLocalJWKSet(JSON.parse(BENCH_JWKS)),
  issuer: BENCH_ISSUER,
  audience: interfaceUrl,
});

if (kind === 'hono') {
  const app = createAgentApp({ card, executor, verifier, logger, taskStore: new BoundedTaskStore() });
  const running = await startAgentServer({ app, tls, port, host: '127.0.0.1' });
  console.log(`ready ${running.port}`);
} else {
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  const app = express();
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler }));
  // The same check as the Hono runtime: a valid token for this audience carrying the skill's scope.
  const userBuilder = async (req: express.Request): Promise<User> => {
    const claims = await verifier.verify(req.headers.authorization);
    if (!hasScopes(claims.scopes, [['assistant:faq']])) {
      throw new ServiceTokenError('insufficient_scope', 'the service token lacks the scope');
    }
    return { isAuthenticated: true, userName: claims.sub };
  };
  app.use('/a2a', jsonRpcHandler({ requestHandler, userBuilder }));
  const server = createServer(
    {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      requestCert: true,
      rejectUnauthorized: true,
      keepAliveTimeout: 65_000,
    },
    app,
  );
  server.listen(port, '127.0.0.1', () => console.log(`ready ${(server.address() as AddressInfo).port}`));
}
