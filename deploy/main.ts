import { OVERLAYS, type Overlay, overlayDir, renderKustomization, toYaml } from './render.js';

// `npm run k8s:render -- dev|prod`: prints the overlay's objects as YAML, as `kubectl kustomize` would.
const overlay = process.argv[2];
if (!OVERLAYS.includes(overlay as Overlay)) {
  console.error(`usage: npm run k8s:render -- ${OVERLAYS.join('|')}`);
  process.exit(2);
}
process.stdout.write(toYaml(await renderKustomization(overlayDir(overlay as Overlay))));
