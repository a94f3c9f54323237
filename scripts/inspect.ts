import { parseArgs } from 'node:util';
import { createMtlsFetch } from '../agents/runtime/mtls-fetch.js';
import { loadTlsMaterial } from '../certs/certs.js';
import {
  cardUrlFor,
  createUrlGuard,
  type InspectionReport,
  InspectorError,
  inspectCard,
} from '../orchestrator/inspector/index.js';

// `npm run inspect -- <url> [--json]`: fetches an agent card with a mesh certificate from CERTS_DIR, checks it
// like the /inspector page does, prints the problems; exit 1 when the card is invalid, 2 when it cannot be fetched.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    cert: { type: 'string', default: process.env.INSPECT_CERT ?? 'orchestrator' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const input = positionals[0];
if (values.help || !input) {
  console.log(`usage: npm run inspect -- <agent base URL or card URL> [--json] [--cert <service>]
  Uses the <service> certificate (default orchestrator) and the CA in CERTS_DIR (default certs/).`);
  process.exit(input || values.help ? 0 : 2);
}

let host: string;
try {
  host = new URL(cardUrlFor(input)).host;
} catch {
  console.error(`not a URL: ${input}`);
  process.exit(2);
}
const tls = await loadTlsMaterial(process.env.CERTS_DIR ?? 'certs', values.cert);
const mesh = createMtlsFetch({ tls, connections: 2 });
let report: InspectionReport;
try {
  // The person running the command chose this host: it is the one host allowed, redirects elsewhere are not.
  report = await inspectCard({ input, fetch: mesh.fetch, guard: createUrlGuard({ allowedHosts: [host] }) });
} catch (error) {
  console.error(error instanceof InspectorError ? `cannot inspect: ${error.message}` : error);
  process.exit(2);
} finally {
  await mesh.close();
}

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(printable(report));
}
process.exit(report.error ? 2 : report.valid ? 0 : 1);

function printable(r: InspectionReport): string {
  const lines: string[] = [];
  lines.push(`${r.valid ? 'VALID' : 'INVALID'}  ${r.url}  (${r.ms} ms)`);
  const s = r.summary;
  if (s) {
    lines.push(`  ${s.name} v${s.version}${s.provider ? ` — ${s.provider}` : ''}`);
    for (const i of s.interfaces)
      lines.push(`  interface ${i.protocolBinding} ${i.protocolVersion} ${i.url}`);
    for (const x of s.securitySchemes) lines.push(`  security scheme ${x.name}: ${x.type}`);
    if (s.security.length) lines.push(`  card requires ${s.security.join(' or ')}`);
    for (const k of s.skills)
      lines.push(`  skill ${k.id} "${k.name}" requires ${k.security.join(' or ') || 'nothing'}`);
  }
  lines.push(`  signatures: ${r.signatures.status}`);
  for (const x of r.signatures.results) lines.push(`    #${x.index} ${x.status}: ${x.message}`);
  const errors = r.findings.filter((f) => f.severity === 'error');
  const warnings = r.findings.filter((f) => f.severity === 'warning');
  if (errors.length) lines.push(`${errors.length} problem(s):`);
  for (const f of errors) lines.push(`  ✗ ${f.path}: ${f.message}`);
  if (warnings.length) lines.push(`${warnings.length} warning(s):`);
  for (const f of warnings) lines.push(`  ! ${f.path}: ${f.message}`);
  return lines.join('\n');
}
