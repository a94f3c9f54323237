import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../orchestrator/config.js';
import { rotateKeySetFile } from '../orchestrator/mesh/signing-keys.js';

// `npm run keys -- --rotate [--at <ISO time>] [--file <path>]`: appends a new token-signing key to the key-set file
// (SIGNING_KEYS_FILE, else DATA_DIR/keys/service-signing.jwk.json), signing from --at (default: in 10 minutes, time
// for every replica and agent to learn it), and drops the keys no token can need any more.
const { values } = parseArgs({
  options: {
    rotate: { type: 'boolean', default: false },
    at: { type: 'string' },
    file: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || !values.rotate) {
  console.log(`usage: npm run keys -- --rotate [--at <ISO time | now>] [--file <key-set file>]
  Adds a key that signs from --at (default: 10 minutes from now) and keeps the current and previous keys.
  The file defaults to SIGNING_KEYS_FILE, else DATA_DIR/keys/service-signing.jwk.json (created when missing).`);
  process.exit(values.help ? 0 : 2);
}
const config = loadConfig(process.env);
const file =
  values.file ?? config.SIGNING_KEYS_FILE ?? join(config.DATA_DIR, 'keys', 'service-signing.jwk.json');
const at =
  values.at === undefined
    ? new Date(Date.now() + 10 * 60_000)
    : values.at === 'now'
      ? new Date()
      : new Date(values.at);
if (Number.isNaN(at.getTime())) {
  console.error(`--at must be an ISO time such as 2026-12-01T12:00:00Z, or "now" (got "${values.at}")`);
  process.exit(2);
}
// A key verifies for as long as the longest-lived token it signed (guest access tokens), plus clock skew.
const retireAfterSec =
  Math.max(config.GUEST_TOKEN_TTL_SEC, config.ACCESS_TOKEN_TTL_SEC, config.SERVICE_TOKEN_TTL_SEC) + 300;
const result = await rotateKeySetFile(file, { at, retireAfterSec });
console.log(
  `${file}: added ${result.added.kid} (signs from ${result.added.notBefore}); ` +
    `kept [${result.kept.join(', ')}]; dropped [${result.dropped.join(', ')}]`,
);
