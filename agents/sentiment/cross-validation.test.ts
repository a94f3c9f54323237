import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { crossValidate } from './cross-validation.js';
import { csvField } from './csv.js';
import { type LabelledText, readLabelledCsv } from './evaluation.js';
import { fitLexiconModel } from './fit.js';
import { classifyByLexicon } from './lexicon.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// A tiny synthetic set written for this test: 8 rows per label.
const TEXTS = {
  negative: [
    'péssimo',
    'horrível, não funciona',
    'veio quebrado',
    'não recomendo',
    'muito ruim!!!',
    'odiei 😡',
  ],
  neutral: ['é razoável', 'chegou ontem', 'ok, pelo preço', 'nada demais', 'normal', 'qual o prazo?'],
  positive: ['ótimo', 'amei!!!', 'excelente produto', 'recomendo muito', 'perfeito 😍', 'muito bom'],
};
const lines = Object.entries(TEXTS).flatMap(([label, texts]) =>
  [...texts, `${texts[0]} mesmo`, `${texts[1]} de novo`].map(
    (t, i) => `${label}-${i},${label},${csvField(t)}`,
  ),
);
const dir = mkdtempSync(join(tmpdir(), 'sentiment-kfold-'));
const csvPath = join(dir, 'synthetic.csv');
writeFileSync(csvPath, `id,label,text\n${lines.join('\n')}\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = readLabelledCsv(readFileSync(csvPath, 'utf8'));

describe('crossValidate', () => {
  it('fits each fold on the other folds only and scores every row exactly once', () => {
    const seenInTraining: Array<Set<string>> = [];
    const scored: string[] = [];
    const byText = new Map(rows.map((r) => [r.text, r]));
    const result = crossValidate({
      rows,
      k: 4,
      seed: 3,
      procedure: (train: readonly LabelledText[]) => {
        const ids = new Set(train.map((r) => r.id));
        seenInTraining.push(ids);
        return (text) => {
          const row = byText.get(text) as LabelledText;
          expect(ids.has(row.id)).toBe(false);
          scored.push(row.id);
          return row.label;
        };
      },
    });
    expect(seenInTraining).toHaveLength(4);
    expect(scored.sort()).toEqual(rows.map((r) => r.id).sort());
    expect(result.folds.map((f) => f.total + f.train)).toEqual([24, 24, 24, 24]);
    expect(result.pooled.total).toBe(rows.length);
    // A perfect predictor: every figure is 1 with no spread.
    expect(result.macroF1).toEqual({ mean: 1, sd: 0 });
    expect(result.f1.neutral.mean).toBe(1);
  });

  it('gives the same figures twice with the real fitting procedure', () => {
    const run = () =>
      crossValidate({
        rows,
        k: 3,
        seed: 11,
        procedure: (train) => {
          const model = fitLexiconModel(train, { iterations: 200 });
          return (text) => classifyByLexicon(text, { model }).label;
        },
      });
    const a = run();
    expect(run()).toEqual(a);
    expect(a.folds).toHaveLength(3);
    expect(a.pooled.total).toBe(24);
  });
});

describe('evaluate.ts --kfold', () => {
  const script = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'agents/sentiment/evaluate.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, OLLAMA_HOST: '' },
    });

  it('prints per-fold figures, mean ± sd and the pooled confusion matrix', () => {
    const result = script('--kfold', '3', '--seed', '5', csvPath);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/3-fold stratified cross-validation, seed 5/);
    expect(result.stdout).toMatch(/^3 {5}16 {5}8 /m);
    expect(result.stdout).toMatch(/macro-F1 [01]\.\d{3} ± 0\.\d{3}/);
    expect(result.stdout).toContain('confusion');
  });

  it('refuses a bad k and mixed modes with exit code 2', () => {
    expect(script('--kfold', '1', csvPath).status).toBe(2);
    expect(script('--kfold', '3', '--fit', csvPath).status).toBe(2);
    expect(script('--kfold', csvPath).status).toBe(2);
  });

  it('prints a model module with --fit', () => {
    const result = script('--fit', csvPath);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('export const LEXICON_MODEL: SoftmaxModel');
  });
});
