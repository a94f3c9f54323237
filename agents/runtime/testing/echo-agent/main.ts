import { createRemoteJWKSet, customFetch } from 'jose';
import { loadTlsMaterial } from '../../../../certs/certs.js';
import { CARD_KEYS_PATH, loadOrCreateCardSigningKey, signAgentCard } from '../../card-signing.js';
import { loadAgentConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { createMtlsFetch } from '../../mtls-fetch.js';
import { createAgentApp, startAgentServer } from '../../server.js';
import { createTokenVerifier } from '../../service-token.js';
import { echoExecutor, testCard } from '../fixtures.js';

// A test agent in its own process, so end-to-end tests can kill it mid-stream. It uses the orchestrator's real
// JWKS over mTLS, like a real agent. ECHO_DELAY_MS spaces its chunks out.
const config = loadAgentConfig(process.env, { name: 'testagent', port: 0 });
const tls = await loadTlsMaterial(config.CERTS_DIR, 'testagent');
const interfaceUrl = `${config.publicUrl}/a2a`;
const { fetch } = createMtlsFetch({ tls });
const keys = createRemoteJWKSet(new URL(config.ORCHESTRATOR_JWKS_URL), { [customFetch]: fetch as never });
const unsigned = testCard(interfaceUrl);
// ECHO_TAGS replaces the skill's tags (e.g. `always`, to run beside every answer); ECHO_HANG=1 never answers.
for (const skill of process.env.ECHO_TAGS ? unsigned.skills : [])
  skill.tags = process.env.ECHO_TAGS?.split(',') ?? [];
// Signed with the card-signing key in CERTS_DIR, as every agent of the mesh; ECHO_UNSIGNED=1 serves it unsigned.
const card =
  process.env.ECHO_UNSIGNED === '1'
    ? unsigned
    : await signAgentCard(unsigned, await loadOrCreateCardSigningKey(config.CERTS_DIR), {
        jku: new URL(CARD_KEYS_PATH, config.ORCHESTRATOR_JWKS_URL).href,
      });
const app = createAgentApp({
  card,
  executor: echoExecutor({
    delayMs: Number(process.env.ECHO_DELAY_MS ?? 0),
    hang: process.env.ECHO_HANG === '1',
  }),
  verifier: createTokenVerifier({ keys, issuer: config.TOKEN_ISSUER, audience: interfaceUrl }),
  logger: createLogger({ name: 'testagent', level: config.LOG_LEVEL }),
});
await startAgentServer({ app, tls, port: config.PORT, host: '127.0.0.1' });
console.log('ready');
