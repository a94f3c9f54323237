// `npm run eval:answers [--split dev|test|all] [--json]`: language, routing and retrieval on the labelled set
// (orchestrator/eval/answers.jsonl), in-process. Tune on `dev`; report `test`.
import { parseArgs } from 'node:util';
import { loadKnowledgeBase } from '../../agents/assistant/knowledge-base.js';
import { loadAnswerSet, type Split } from './answer-set.js';
import { createAnswerEvaluator, evaluateAnswers, formatReport, loadAgentCards } from './evaluate.js';

const { values } = parseArgs({
  options: { split: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const asked = values.split ?? 'both';
if (!['dev', 'test', 'all', 'both'].includes(asked)) {
  console.error('usage: npm run eval:answers -- [--split dev|test|all] [--json]');
  process.exit(2);
}
const splits: Array<Split | 'all'> = asked === 'both' ? ['dev', 'test'] : [asked as Split | 'all'];

const root = new URL('../../', import.meta.url);
const evaluator = createAnswerEvaluator({
  cards: await loadAgentCards(new URL('agent-cards/', root)),
  entries: await loadKnowledgeBase(new URL('agents/assistant/faq.json', root)),
});
const reports = await evaluateAnswers(evaluator, await loadAnswerSet(), splits);
if (values.json) console.log(JSON.stringify(reports, null, 2));
else console.log(reports.map(formatReport).join('\n\n'));
