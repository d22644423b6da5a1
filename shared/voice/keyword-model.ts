/**
 * A small keyword model shipped with Earshot: a second opinion, next to the user's
 * own takes, that stays useful in noise. It was trained here on generated speech
 * (espeak-ng voices none of the benchmark's speakers, other words, noise) by
 * `npm run bench:voice-model`; nothing is downloaded at run time.
 *
 * Input: log-mel energies of the utterance the VAD cut, mean-normalised per band,
 * resampled to 32 frames (24 × 32). Model: one hidden ReLU layer, softmax over the
 * five commands and "other".
 *
 * The file is JSON validated by one schema when loaded (it is an input like any
 * other); weights are base64 — float32, the big input layer int8 with a scale per
 * hidden unit — so it stays small (about 140 KB with 128 hidden units).
 */
import { z } from 'zod';
import { base64ToBytes, BASE64_PATTERN, bytesToBase64 } from '../base64';
import { melPowers } from './features';
import { COMMANDS, type VoiceCommand } from './commands';

export const FRAMES = 32;
export const BANDS = 24;
export const INPUTS = BANDS * FRAMES;
export const CLASSES = COMMANDS.length + 1; // + "other"
export const OTHER = COMMANDS.length;
export const KEYWORD_MODEL_FORMAT = 'earshot-keyword-model';

const b64 = z.string().max(4_000_000).regex(BASE64_PATTERN, 'expected base64');

export const keywordModelFileSchema = z.object({
  format: z.literal(KEYWORD_MODEL_FORMAT),
  version: z.literal(1),
  /** Output order: the commands, then "other". */
  classes: z.tuple([z.literal(COMMANDS[0]), z.literal(COMMANDS[1]), z.literal(COMMANDS[2]), z.literal(COMMANDS[3]), z.literal(COMMANDS[4]), z.literal('other')]),
  inputs: z.literal(INPUTS),
  hidden: z.number().int().min(1).max(1024),
  /** How it was made (voices, words, noise), for people reading the file. */
  trainedOn: z.string().max(2_000),
  /** float32 little-endian, per input: (x − mean) / scale. */
  mean: b64,
  scale: b64,
  /** Input layer, int8 [input][hidden], times a float32 scale per hidden unit. */
  w1: b64,
  w1Scale: b64,
  b1: b64,
  /** Output layer, float32 [hidden][class]. */
  w2: b64,
  b2: b64,
});
export type KeywordModelFile = z.infer<typeof keywordModelFileSchema>;

export interface KeywordModel {
  hidden: number;
  mean: Float32Array;
  scale: Float32Array;
  /** Dequantised input layer, [input][hidden]. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

function floats(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  const out = new Float32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function floatsToBase64(xs: ArrayLike<number>): string {
  const bytes = new Uint8Array(xs.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < xs.length; i++) view.setFloat32(4 * i, xs[i] as number, true);
  return bytesToBase64(bytes);
}

export class KeywordModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeywordModelError';
  }
}

/** Validates a model file (schema, then every layer's size) and unpacks it. */
export function parseKeywordModel(json: unknown): KeywordModel {
  const parsed = keywordModelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeywordModelError(`keyword model: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const f = parsed.data;
  const h = f.hidden;
  const q = base64ToBytes(f.w1);
  const model: KeywordModel = { hidden: h, mean: floats(f.mean), scale: floats(f.scale), w1: new Float32Array(q.length), b1: floats(f.b1), w2: floats(f.w2), b2: floats(f.b2) };
  const w1Scale = floats(f.w1Scale);
  const sizes: [string, number, number][] = [
    ['mean', model.mean.length, INPUTS],
    ['scale', model.scale.length, INPUTS],
    ['w1', q.length, INPUTS * h],
    ['w1Scale', w1Scale.length, h],
    ['b1', model.b1.length, h],
    ['w2', model.w2.length, h * CLASSES],
    ['b2', model.b2.length, CLASSES],
  ];
  for (const [name, got, want] of sizes) if (got !== want) throw new KeywordModelError(`keyword model: ${name}: ${got} values, expected ${want} (hidden ${h})`);
  for (const [name, xs] of Object.entries({ mean: model.mean, scale: model.scale, w1Scale, b1: model.b1, w2: model.w2, b2: model.b2 }))
    if (!xs.every(Number.isFinite)) throw new KeywordModelError(`keyword model: ${name}: not all finite`);
  if (!model.scale.every((s) => s > 0)) throw new KeywordModelError('keyword model: scale: must be positive');
  for (let i = 0; i < q.length; i++) {
    const v = q[i] as number;
    model.w1[i] = (v >= 128 ? v - 256 : v) * (w1Scale[i % h] as number);
  }
  return model;
}

/** Packs trained weights ([input][hidden] and [hidden][class], as the training writes them) into the file format. */
export function packKeywordModel(w: { hidden: number; mean: ArrayLike<number>; scale: ArrayLike<number>; w1: ArrayLike<number>; b1: ArrayLike<number>; w2: ArrayLike<number>; b2: ArrayLike<number> }, trainedOn: string): KeywordModelFile {
  const h = w.hidden;
  const w1Scale = new Float32Array(h);
  for (let i = 0; i < w.w1.length; i++) w1Scale[i % h] = Math.max(w1Scale[i % h] as number, Math.abs(w.w1[i] as number) / 127);
  for (let k = 0; k < h; k++) if (w1Scale[k] === 0) w1Scale[k] = 1;
  const q = new Uint8Array(w.w1.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round((w.w1[i] as number) / (w1Scale[i % h] as number)))) & 0xff;
  return {
    format: KEYWORD_MODEL_FORMAT,
    version: 1,
    classes: [...COMMANDS, 'other'] as KeywordModelFile['classes'],
    inputs: INPUTS,
    hidden: h,
    trainedOn,
    mean: floatsToBase64(w.mean),
    scale: floatsToBase64(w.scale),
    w1: bytesToBase64(q),
    w1Scale: floatsToBase64(w1Scale),
    b1: floatsToBase64(w.b1),
    w2: floatsToBase64(w.w2),
    b2: floatsToBase64(w.b2),
  };
}

/** The model's input for one utterance. */
export function keywordFeatures(utterance: Float32Array): Float32Array {
  return keywordFeaturesFromMels(melPowers(utterance));
}

/** The same from the utterance's mel powers (the recognizer has them already for its own features). */
export function keywordFeaturesFromMels(mels: readonly Float64Array[]): Float32Array {
  const out = new Float32Array(INPUTS);
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
  const { hidden } = model;
  const h = new Float64Array(hidden);
  h.set(model.b1);
  for (let j = 0; j < INPUTS; j++) {
    const xj = ((x[j] as number) - (model.mean[j] as number)) / (model.scale[j] as number);
    if (xj === 0) continue;
    const row = j * hidden;
    for (let k = 0; k < hidden; k++) h[k] = (h[k] as number) + xj * (model.w1[row + k] as number);
  }
  const p = new Float64Array(CLASSES);
  let max = -Infinity;
  for (let c = 0; c < CLASSES; c++) {
    let s = model.b2[c] as number;
    for (let k = 0; k < hidden; k++) {
      const hk = h[k] as number;
      if (hk > 0) s += hk * (model.w2[k * CLASSES + c] as number);
    }
    p[c] = s;
    max = Math.max(max, s);
  }
  let z = 0;
  for (let c = 0; c < CLASSES; c++) {
    p[c] = Math.exp((p[c] as number) - max);
    z += p[c] as number;
  }
  for (let c = 0; c < CLASSES; c++) p[c] = (p[c] as number) / z;
  return p;
}

/** What the model says about one utterance (its keyword features): the probability of `command`, and of "not a command". */
export function modelOpinion(model: KeywordModel, features: Float32Array, command: VoiceCommand): { command: number; other: number } {
  const p = posterior(model, features);
  return { command: p[COMMANDS.indexOf(command)] as number, other: p[OTHER] as number };
}
