// `npx tsx bench/retrieval-cpu.ts [checkout]`: the assistant's retrieval CPU per search over the 430 messages of the
// answers evaluation set (orchestrator/eval/answers.jsonl), five rounds after a warm-up, median. With a path, the
// retrieval code of that checkout (e.g. a `git worktree` of an older commit) runs on this checkout's FAQ, so two
// versions of the code compare on the same entries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadKnowledgeBase } from '../agents/assistant/knowledge-base.js';

const here = join(import.meta.dirname, '..');
const root = process.argv[2] ?? here;
const { createRetriever } = (await import(
  pathToFileURL(join(root, 'agents/assistant/retrieval.ts')).href
)) as typeof import('../agents/assistant/retrieval.js');
const entries = await loadKnowledgeBase(pathToFileURL(join(here, 'agents/assistant/faq.json')));
const texts = readFileSync(join(here, 'orchestrator/eval/answers.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { text: string }).text);
const retriever = createRetriever({ entries });
for (const text of texts) await retriever.search(text);
const rounds: number[] = [];
for (let round = 0; round < 5; round += 1) {
  const start = process.cpuUsage();
  for (const text of texts) await retriever.search(text);
  const used = process.cpuUsage(start);
  rounds.push((used.user + used.system) / 1000 / texts.length);
}
rounds.sort((a, b) => a - b);
console.log(
  `${root}: ${(rounds[2] as number).toFixed(3)} ms CPU per search (median of 5 rounds of ${texts.length}; ${rounds.map((r) => r.toFixed(3)).join(' ')})`,
);
