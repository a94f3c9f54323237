import type { QuestionCluster } from '../../../orchestrator/metrics/questions.js';

/** A draft FAQ entry, shaped like the entries of `agents/assistant/faq.json`; the answer is left to the shop. */
export interface FaqDraft {
  id: string;
  title: string;
  question: string;
  answer: '';
  paraphrases: string[];
}

/** The draft FAQ entry of an unanswered-question cluster: its words as the id, its most asked wording as the question. */
export function faqDraft(cluster: QuestionCluster): FaqDraft {
  const question = cluster.question.trim();
  const sentence = question.charAt(0).toLocaleUpperCase() + question.slice(1);
  const id =
    cluster.key
      .split(' ')
      .filter(Boolean)
      .join('-')
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 60) || 'pergunta';
  return {
    id,
    title: sentence.replace(/[?!.\s]+$/, ''),
    question: sentence,
    answer: '',
    paraphrases: cluster.paraphrases.filter((p) => p.trim() !== question),
  };
}
