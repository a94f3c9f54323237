import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer, builtEntry, serverBuildIsStale } from './build-server.js';

// The production build on a small project of the same shape: an orchestrator and an agent whose entries import
// TypeScript modules and read files beside them, as the real ones do.
const run = promisify(execFile);
const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function project(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'atende-build-'));
  roots.push(root);
  const files: Record<string, string> = {
    'package-lock.json': '{}',
    'agent-cards/orchestrator.json': '{"name":"shop"}',
    'orchestrator/main.ts': `import { readFileSync } from 'node:fs';\nimport { greet } from './greet.js';\nconst card = JSON.parse(readFileSync(new URL('../../agent-cards/orchestrator.json', import.meta.url), 'utf8')) as { name: string };\nconsole.log(greet(card.name));\n`,
    'orchestrator/greet.ts': `export const greet = (name: string): string => \`hello \${name}\`;\n`,
    'agents/assistant/main.ts': `import { readFileSync } from 'node:fs';\nconst faq: unknown[] = JSON.parse(readFileSync(new URL('./faq.json', import.meta.url), 'utf8'));\nconsole.log(\`\${faq.length} entries\`);\n`,
    'agents/assistant/faq.json': '[1,2,3]',
    'agents/runtime/index.ts': 'export const x = 1;\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('the production build', () => {
  it('bundles each entry so plain node runs it, files it reads beside it included', async () => {
    const root = await project();
    expect(await serverBuildIsStale(root)).toBe(true);
    expect(await buildServer(root)).toEqual(['dist/orchestrator/main.js', 'dist/agents/assistant/main.js']);
    const orchestrator = await run(process.execPath, [builtEntry(root, 'orchestrator/main.ts')], {
      cwd: root,
    });
    expect(orchestrator.stdout.trim()).toBe('hello shop');
    const assistant = await run(process.execPath, [builtEntry(root, 'agents/assistant/main.ts')], {
      cwd: root,
    });
    expect(assistant.stdout.trim()).toBe('3 entries');
    expect(await serverBuildIsStale(root)).toBe(false);
  });

  it('is stale again once a source is newer than the build', async () => {
    const root = await project();
    await buildServer(root);
    const later = new Date(Date.now() + 5_000);
    await utimes(join(root, 'orchestrator/greet.ts'), later, later);
    expect(await serverBuildIsStale(root)).toBe(true);
  });

  it('builds once when several starts ask at the same time, and dist/ is whole after', async () => {
    const root = await project();
    const built = await Promise.all([buildServer(root), buildServer(root), buildServer(root)]);
    expect(new Set(built.map((b) => b.join()))).toEqual(new Set([built[0]?.join()]));
    const { stdout } = await run(process.execPath, [builtEntry(root, 'orchestrator/main.ts')], { cwd: root });
    expect(stdout.trim()).toBe('hello shop');
  });
});
