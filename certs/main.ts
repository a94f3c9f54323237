import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropOldCa, generateCerts, stageNewCa } from './certs.js';

// `npm run certs`: creates what is missing and keeps what exists. Rotating the mesh CA (see docs/notes/keys.md):
//   --stage-ca     a new CA; the trust bundle ca.pem holds the new and the old CA; certificates untouched
//   --renew        every certificate anew, from the staged CA (or from a new one, staged first, when none is)
//   --drop-old-ca  the bundle keeps only the new CA (refused while a certificate of the old one is left)
const { values } = parseArgs({
  options: {
    renew: { type: 'boolean', default: false },
    'stage-ca': { type: 'boolean', default: false },
    'drop-old-ca': { type: 'boolean', default: false },
  },
});
const dir = process.env.CERTS_DIR ?? dirname(fileURLToPath(import.meta.url));
try {
  await run();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

async function run(): Promise<void> {
  if (values['drop-old-ca']) {
    const { dropped } = await dropOldCa({ dir });
    console.log(dropped ? `${dir}/ca.pem now trusts only the new CA` : 'no old CA to drop');
  } else {
    if (values['stage-ca']) {
      await stageNewCa({ dir });
      console.log(`${dir}/ca.pem now trusts the new and the old CA; certificates unchanged`);
    }
    const { created, kept } = await generateCerts({ dir, renew: values.renew });
    console.log(`certificates in ${dir}: created [${created.join(', ')}], kept [${kept.join(', ')}]`);
  }
}
