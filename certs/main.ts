import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCerts } from './certs.js';

// `npm run certs` (keeps what exists) and `npm run certs -- --renew` (issues everything anew).
const dir = process.env.CERTS_DIR ?? dirname(fileURLToPath(import.meta.url));
const renew = process.argv.includes('--renew');
const { created, kept } = await generateCerts({ dir, renew });
console.log(`certificates in ${dir}: created [${created.join(', ')}], kept [${kept.join(', ')}]`);
