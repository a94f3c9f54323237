// `npm run eval:answers [--split dev|test|all] [--json] [--out-of-scope]`: language, routing and retrieval on the
// labelled set (orchestrator/eval/answers.jsonl), in-process. Tune on `dev`; report `test`. `--out-of-scope` adds the
// opt-in check against agents/assistant/out-of-scope.json (the assistant's OUT_OF_SCOPE_PATH).
import { parseArgs } from 'node:util';
import { loadKnowledgeBase, loadOutOfScope } from '../../agents/assistant/knowledge-base.js';
import { loadAnswerSet, type Split } from './answer-set.js';
import { createAnswerEvaluator, evaluateAnswers, formatReport, loadAgentCards } from './evaluate.js';

const { values } = parseArgs({
  options: {
    split: { type: 'string' },
    json: { type: 'boolean', default: false },
    'out-of-scope': { type: 'boolean', default: false },
  },
});
const asked = values.split ?? 'both';
if (!['dev', 'test', 'all', 'both'].includes(asked)) {
  console.error('usage: npm run eval:answers -- [--split dev|test|all] [--json] [--out-of-scope]');
  process.exit(2);
}
const splits: Array<Split | 'all'> = asked === 'both' ? ['dev', 'test'] : [asked as Split | 'all'];

const root = new URL('../../', import.meta.url);
const evaluator = createAnswerEvaluator({
  cards: await loadAgentCards(new URL('agent-cards/', root)),
  entries: await loadKnowledgeBase(new URL('agents/assistant/faq.json', root)),
  outOfScope: values['out-of-scope']
    ? await loadOutOfScope(new URL('agents/assistant/out-of-scope.json', root))
    : undefined,
});
const reports = await evaluateAnswers(evaluator, await loadAnswerSet(), splits);
if (values.json) console.log(JSON.stringify(reports, null, 2));
else console.log(reports.map(formatReport).join('\n\n'));
