/** A multinomial logistic regression: `logit[c] = bias[c] + Σ weights[c][f] · x[f]`, then softmax. */
export interface SoftmaxModel {
  /** Names of the inputs, in order; a model only applies to vectors built with the same names. */
  features: readonly string[];
  /** One row per class, one weight per feature. */
  weights: number[][];
  bias: number[];
}

/** Settings of the fit; the defaults were chosen before any data was scored and are not tuned. */
export interface SoftmaxFitOptions {
  classes: number;
  /** L2 penalty on the standardised weights (not on the biases), added to the mean cross-entropy. */
  l2?: number;
  iterations?: number;
  learningRate?: number;
}

/** Softmax of a vector of logits, stable for large values. */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Class probabilities of one feature vector. */
export function predictProbabilities(model: SoftmaxModel, x: readonly number[]): number[] {
  return softmax(
    model.weights.map((row, c) => row.reduce((sum, w, f) => sum + w * (x[f] ?? 0), model.bias[c] ?? 0)),
  );
}

/**
 * Fits the model by full-batch gradient descent on standardised inputs (deterministic: no sampling, fixed
 * iterations), then folds the standardisation back into the weights so that the model applies to raw vectors.
 * `y` holds class indices 0..classes-1.
 */
export function fitSoftmax(
  features: readonly string[],
  x: ReadonlyArray<readonly number[]>,
  y: readonly number[],
  options: SoftmaxFitOptions,
): SoftmaxModel {
  const { classes, l2 = 0.01, iterations = 1500, learningRate = 0.5 } = options;
  const n = x.length;
  const d = features.length;
  if (n === 0 || y.length !== n)
    throw new RangeError('fitSoftmax needs as many labels as rows, and some rows');
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of x) for (let f = 0; f < d; f++) mean[f] = (mean[f] as number) + (row[f] ?? 0) / n;
  for (const row of x)
    for (let f = 0; f < d; f++)
      scale[f] = (scale[f] as number) + ((row[f] ?? 0) - (mean[f] as number)) ** 2 / n;
  // A constant input gets scale 1 so that its weight stays 0 instead of dividing by zero.
  const sd = scale.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1));
  // Flat typed arrays: this loop runs iterations × rows × features × classes times.
  const z = new Float64Array(n * d);
  x.forEach((row, i) => {
    for (let f = 0; f < d; f++) z[i * d + f] = ((row[f] ?? 0) - (mean[f] as number)) / (sd[f] as number);
  });
  const w = new Float64Array(classes * d);
  const b = new Float64Array(classes);
  const gw = new Float64Array(classes * d);
  const gb = new Float64Array(classes);
  const p = new Float64Array(classes);
  for (let step = 0; step < iterations; step++) {
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        let logit = b[c] as number;
        for (let f = 0; f < d; f++) logit += (w[c * d + f] as number) * (z[i * d + f] as number);
        p[c] = logit;
        if (logit > max) max = logit;
      }
      let total = 0;
      for (let c = 0; c < classes; c++) {
        p[c] = Math.exp((p[c] as number) - max);
        total += p[c] as number;
      }
      for (let c = 0; c < classes; c++) {
        const err = ((p[c] as number) / total - (y[i] === c ? 1 : 0)) / n;
        gb[c] = (gb[c] as number) + err;
        for (let f = 0; f < d; f++)
          gw[c * d + f] = (gw[c * d + f] as number) + err * (z[i * d + f] as number);
      }
    }
    for (let j = 0; j < classes * d; j++)
      w[j] = (w[j] as number) - learningRate * ((gw[j] as number) + l2 * (w[j] as number));
    for (let c = 0; c < classes; c++) b[c] = (b[c] as number) - learningRate * (gb[c] as number);
  }
  const weights = Array.from({ length: classes }, (_, c) =>
    Array.from({ length: d }, (_, f) => (w[c * d + f] as number) / (sd[f] as number)),
  );
  const bias = Array.from(b, (bc, c) =>
    (weights[c] as number[]).reduce((s, wf, f) => s - wf * (mean[f] as number), bc),
  );
  return { features: [...features], weights, bias };
}
