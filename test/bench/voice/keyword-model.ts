/**
 * An experiment, not part of the app (yet): a small keyword model as a second
 * opinion on the template matcher. `npm run bench:voice-model` trains it
 * (train-keyword-model.ts); `npm run bench:voice -- --verifier <model.json>` measures
 * the app's recognizer with it. See README, "Acknowledge by voice", for the numbers
 * and why it is not shipped: it lifts accuracy in noise but breaks the false-accept
 * target.
 *
 * Input: log-mel energies of the utterance the VAD cut, mean-normalised per band,
 * resampled to 32 frames (24 × 32). Model: one hidden ReLU layer, softmax over the
 * five commands and "other".
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { melPowers } from '../../../shared/voice/features';
import { COMMANDS, CommandRecognizer, type Decision, type Enrolment } from '../../../shared/voice/recognizer';

export const FRAMES = 32;
export const BANDS = 24;
export const CLASSES = COMMANDS.length + 1; // + "other"
export const OTHER = COMMANDS.length;

export const keywordModelSchema = z.object({
  inputs: z.literal(BANDS * FRAMES),
  hidden: z.number().int().positive(),
  classes: z.literal(CLASSES),
  mean: z.array(z.number()),
  scale: z.array(z.number()),
  w1: z.array(z.number()),
  b1: z.array(z.number()),
  w2: z.array(z.number()),
  b2: z.array(z.number()),
});
export type KeywordModel = z.infer<typeof keywordModelSchema>;

export function loadKeywordModel(path: string): KeywordModel {
  const model = keywordModelSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const { inputs, hidden, classes } = model;
  if (model.mean.length !== inputs || model.scale.length !== inputs || model.w1.length !== inputs * hidden || model.b1.length !== hidden || model.w2.length !== hidden * classes || model.b2.length !== classes) {
    throw new Error(`${path}: layer sizes do not match inputs ${inputs}, hidden ${hidden}, classes ${classes}`);
  }
  return model;
}

/** The model's input for one utterance. */
export function keywordFeatures(utterance: Float32Array): Float32Array {
  const mels = melPowers(utterance);
  const out = new Float32Array(BANDS * FRAMES);
  if (mels.length === 0) return out;
  const logs = mels.map((m) => Float64Array.from(m, (e) => Math.log10(e + 1e-10)));
  const mean = new Float64Array(BANDS);
  for (const l of logs) for (let b = 0; b < BANDS; b++) mean[b] = (mean[b] as number) + (l[b] as number) / logs.length;
  for (let t = 0; t < FRAMES; t++) {
    const pos = ((t + 0.5) * logs.length) / FRAMES - 0.5;
    const a = Math.max(0, Math.min(logs.length - 1, Math.floor(pos)));
    const c = Math.min(logs.length - 1, a + 1);
    const w = Math.max(0, Math.min(1, pos - a));
    const la = logs[a] as Float64Array;
    const lc = logs[c] as Float64Array;
    for (let b = 0; b < BANDS; b++) out[t * BANDS + b] = (1 - w) * (la[b] as number) + w * (lc[b] as number) - (mean[b] as number);
  }
  return out;
}

/** Class probabilities (commands in COMMANDS order, then "other"). */
export function posterior(model: KeywordModel, x: Float32Array): Float64Array {
  const { inputs, hidden, classes } = model;
  const h = new Float64Array(hidden);
  for (let k = 0; k < hidden; k++) {
    let s = model.b1[k] as number;
    for (let j = 0; j < inputs; j++) s += (((x[j] as number) - (model.mean[j] as number)) / (model.scale[j] as number)) * (model.w1[j * hidden + k] as number);
    h[k] = s > 0 ? s : 0;
  }
  const p = new Float64Array(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    let s = model.b2[c] as number;
    for (let k = 0; k < hidden; k++) s += (h[k] as number) * (model.w2[k * classes + c] as number);
    p[c] = s;
    max = Math.max(max, s);
  }
  let z = 0;
  for (let c = 0; c < classes; c++) {
    p[c] = Math.exp((p[c] as number) - max);
    z += p[c] as number;
  }
  for (let c = 0; c < classes; c++) p[c] = (p[c] as number) / z;
  return p;
}

/**
 * The app's recognizer with the model as a second opinion: an "unsure" becomes an
 * "accept" when the model gives the same command at least `verifyAt`; with `vetoAt`
 * ≤ 1, an answer becomes "unsure" when the model says "other" at least that.
 */
export class VerifiedRecognizer extends CommandRecognizer {
  constructor(
    enrolment: Enrolment,
    private readonly model: KeywordModel,
    private readonly verifyAt: number,
    private readonly vetoAt = 2,
  ) {
    super(enrolment);
  }

  override classify(utterance: Float32Array, noise?: Float32Array): Decision {
    const d = super.classify(utterance, noise);
    // The model is only asked when its answer can change the decision.
    if (d.decision === 'reject' || (d.decision === 'accept' && this.vetoAt > 1)) return d;
    const p = posterior(this.model, keywordFeatures(utterance));
    if ((p[OTHER] as number) >= this.vetoAt) return { ...d, decision: 'unsure' };
    if (d.decision === 'unsure' && (p[COMMANDS.indexOf(d.command)] as number) >= this.verifyAt) return { ...d, decision: 'accept' };
    return d;
  }
}
