// Does the shopper ask, in so many words, for a person? Then the conversation goes to the desk at once, without the
// one-tap confirmation an offer needs. Matched on the text folded to lower case without accents, so "tem alguém
// aí?", "tem alguem ai" and "TEM ALGUÉM AÍ" are one phrasing. Kept to requests for a person: "atendimento" alone
// or "falar sobre a entrega" are questions for the bots.

const PERSON =
  '(?:atendente|pessoa|humano|humana|alguem|operador|operadora|gente|ser humano|funcionario|vendedor|vendedora|consultor|consultora|suporte humano)';
const PERSON_EN =
  '(?:human|person|agent|representative|rep|someone|somebody|operator|real person|live agent|people|staff)';

const PATTERNS: readonly RegExp[] = [
  // pt-BR
  new RegExp(`\\b(?:falar|conversar|papo) (?:com|c/|c) (?:um |uma |o |a |algum |alguma )?${PERSON}`),
  new RegExp(
    `\\b(?:quero|queria|gostaria de|preciso de|prefiro|pode me passar pra|pode me passar para|me passa pra|me passa para|chama|chamar|chame) (?:um |uma |o |a |algum |alguma )?${PERSON}\\b`,
  ),
  /\btem (?:alguem|algum atendente|alguma pessoa|gente)(?: (?:ai|ae|aqui|ai do outro lado|online|disponivel))?\b/,
  /\b(?:me )?transfer(?:e|ir|ira|a)(?: (?:me|para|pra|com))* (?:um |uma |o |a )?(?:atendente|pessoa|humano|operador)/,
  /\batendimento (?:humano|pessoal|com pessoa|de verdade)\b/,
  /\b(?:pessoa|gente|ser humano|atendente) de verdade\b/,
  /\bnao quero (?:falar com )?(?:um |o )?(?:robo|bot|maquina|chatbot)\b/,
  /^\s*(?:atendente|humano|um atendente|uma pessoa)\s*(?:por favor|pfv|pf|plz)?[!.?]*\s*$/,
  // English
  new RegExp(`\\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |the |some |your )?${PERSON_EN}\\b`),
  new RegExp(
    `\\b(?:i want|i need|i'd like|i would like|get me|give me|connect me (?:to|with)|transfer me to|put me through to) (?:a |an |the |some )?${PERSON_EN}\\b`,
  ),
  /\b(?:is|are) (?:anyone|anybody|someone|somebody|there anyone|there anybody|there someone|there a person|there a human)(?: (?:there|here|real|online|available))?\b/,
  /\bhuman (?:agent|support|help|being|please)\b/,
  /\b(?:real|actual|live) (?:person|human|agent|people)\b/,
  /\b(?:not|no) (?:a |the )?(?:bot|robot|machine)\b/,
  /^\s*(?:human|agent|operator|representative)\s*(?:please|pls|plz)?[!.?]*\s*$/,
];

/** Folds `text` for matching: lower case, no accents, single spaces. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether the shopper explicitly asks for a person (pt-BR or English). */
export function asksForPerson(text: string): boolean {
  const folded = fold(text);
  return PATTERNS.some((pattern) => pattern.test(folded));
}
