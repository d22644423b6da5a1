/**
 * A small keyword model shipped with Earshot: a second opinion, next to the user's
 * own takes, that stays useful in noise — competing voices included. It was trained
 * here on generated speech (espeak-ng voices none of the benchmark's speakers, other
 * words, noise) by `npm run bench:voice-model`; nothing is downloaded at run time.
 *
 * Input: the log-mel energies (24 bands, 10 ms frames) of the utterance the VAD cut,
 * each band less its mean over the utterance (the microphone's colour cancels out), as
 * many frames as there are — no resampling. Model: a stack of 1-D convolutions over
 * time (ReLU, some halving the frame rate), the strongest response of each channel
 * anywhere in the utterance, then a softmax over the five commands and "other". Taking
 * the strongest response rather than a fixed grid makes it indifferent to where the
 * word sits in the segment: when the VAD runs a word on into the voices around it, the
 * word is still the word.
 *
 * The file may hold several such networks, trained alike but from other random starts;
 * their probabilities are averaged. Each one's mistakes are partly its own, so the average
 * is steadier than any one of them (on the benchmark's tune speakers, three of them took
 * 0.8 points more commands at the same false-accept limit, averaged over held-out splits) for
 * three times the size (about 400 KB) and time (about 4 ms each for a one-second word).
 *
 * The file is JSON validated by one schema when loaded (it is an input like any
 * other); weights are base64 — convolutions int8 with a float32 scale per output
 * channel, everything else float32.
 */
import { z } from 'zod';
import { base64ToBytes, BASE64_PATTERN, bytesToBase64 } from '../base64';
import { melPowers } from './features';
import { COMMANDS, type VoiceCommand } from './commands';

export const BANDS = 24;
export const CLASSES = COMMANDS.length + 1; // + "other"
export const OTHER = COMMANDS.length;
export const KEYWORD_MODEL_FORMAT = 'earshot-keyword-model';
const MAX_CHANNELS = 512;
const MAX_KERNEL = 15;
const MAX_LAYERS = 12;
const MAX_NETWORKS = 8;

const b64 = z.string().max(4_000_000).regex(BASE64_PATTERN, 'expected base64');

const convSchema = z.object({
  /** Output channels; the input channels are the previous layer's (BANDS for the first). */
  channels: z.number().int().min(1).max(MAX_CHANNELS),
  /** Odd, centred, zero-padded ("same"). */
  kernel: z
    .number()
    .int()
    .min(1)
    .max(MAX_KERNEL)
    .refine((k) => k % 2 === 1, 'must be odd'),
  /** 2: after the ReLU, the larger of each pair of frames (half the frames; an odd last one is dropped). */
  pool: z.union([z.literal(1), z.literal(2)]),
  /** int8 [out][in][kernel], times a float32 scale per output channel. */
  weights: b64,
  scale: b64,
  bias: b64,
});

const networkSchema = z.object({
  /** float32 little-endian, per band: (x − mean) / scale, after the per-utterance band means are taken off. */
  mean: b64,
  scale: b64,
  layers: z.array(convSchema).min(1).max(MAX_LAYERS),
  /** Output layer, float32 [class][last layer's channels]. */
  output: z.object({ weights: b64, bias: b64 }),
});
export type KeywordNetworkFile = z.infer<typeof networkSchema>;

const header = {
  format: z.literal(KEYWORD_MODEL_FORMAT),
  /** Output order: the commands, then "other". */
  classes: z.tuple([z.literal(COMMANDS[0]), z.literal(COMMANDS[1]), z.literal(COMMANDS[2]), z.literal(COMMANDS[3]), z.literal(COMMANDS[4]), z.literal('other')]),
  bands: z.literal(BANDS),
  /** How it was made (voices, words, noise), for people reading the file. */
  trainedOn: z.string().max(2_000),
};

/** Version 3: one or more networks, averaged. Version 2 (one network, its fields at the top) still loads. */
export const keywordModelFileSchema = z.discriminatedUnion('version', [
  z.object({ ...header, version: z.literal(3), networks: z.array(networkSchema).min(1).max(MAX_NETWORKS) }),
  z.object({ ...header, version: z.literal(2), ...networkSchema.shape }),
]);
export type KeywordModelFile = z.infer<typeof keywordModelFileSchema>;

export interface ConvLayer {
  inputs: number;
  channels: number;
  kernel: number;
  pool: 1 | 2;
  /** Dequantised, [out][in][kernel]. */
  weights: Float32Array;
  bias: Float32Array;
}

/** One network, unpacked. */
export interface KeywordNetwork {
  mean: Float32Array;
  scale: Float32Array;
  layers: ConvLayer[];
  /** [class][channel]. */
  outWeights: Float32Array;
  outBias: Float32Array;
}

/** The networks whose probabilities are averaged. */
export interface KeywordModel {
  networks: KeywordNetwork[];
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

function checkFloats(name: string, xs: Float32Array, want: number, rule = ''): void {
  if (xs.length !== want) throw new KeywordModelError(`keyword model: ${name}: ${xs.length} values, expected ${want}${rule}`);
  if (!xs.every(Number.isFinite)) throw new KeywordModelError(`keyword model: ${name}: not all finite`);
}

/** Validates a model file (schema, then every layer's size) and unpacks it. */
export function parseKeywordModel(json: unknown): KeywordModel {
  const parsed = keywordModelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeywordModelError(`keyword model: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const f = parsed.data;
  if (f.version === 2) return { networks: [parseNetwork(f, '')] };
  return { networks: f.networks.map((n, i) => parseNetwork(n, `networks.${i}.`)) };
}

function parseNetwork(f: KeywordNetworkFile, at: string): KeywordNetwork {
  const check = (name: string, xs: Float32Array, want: number, rule = ''): void => checkFloats(`${at}${name}`, xs, want, rule);
  const mean = floats(f.mean);
  const scale = floats(f.scale);
  check('mean', mean, BANDS);
  check('scale', scale, BANDS);
  if (!scale.every((s) => s > 0)) throw new KeywordModelError(`keyword model: ${at}scale: must be positive`);
  let inputs = BANDS;
  const layers = f.layers.map((l, i): ConvLayer => {
    const q = base64ToBytes(l.weights);
    const size = l.channels * inputs * l.kernel;
    if (q.length !== size) throw new KeywordModelError(`keyword model: ${at}layers.${i}.weights: ${q.length} values, expected ${size} (${l.channels} × ${inputs} × ${l.kernel})`);
    const s = floats(l.scale);
    const bias = floats(l.bias);
    check(`layers.${i}.scale`, s, l.channels);
    check(`layers.${i}.bias`, bias, l.channels);
    const weights = new Float32Array(size);
    const per = inputs * l.kernel;
    for (let j = 0; j < size; j++) {
      const v = q[j] as number;
      weights[j] = (v >= 128 ? v - 256 : v) * (s[Math.floor(j / per)] as number);
    }
    const layer: ConvLayer = { inputs, channels: l.channels, kernel: l.kernel, pool: l.pool, weights, bias };
    inputs = l.channels;
    return layer;
  });
  const outWeights = floats(f.output.weights);
  const outBias = floats(f.output.bias);
  check('output.weights', outWeights, CLASSES * inputs, ` (${CLASSES} classes × ${inputs} channels)`);
  check('output.bias', outBias, CLASSES);
  return { mean, scale, layers, outWeights, outBias };
}

/** Trained weights as plain numbers, in the layouts above (float, before quantisation). */
export interface KeywordWeights {
  mean: ArrayLike<number>;
  scale: ArrayLike<number>;
  layers: { channels: number; kernel: number; pool: 1 | 2; weights: ArrayLike<number>; bias: ArrayLike<number> }[];
  output: { weights: ArrayLike<number>; bias: ArrayLike<number> };
}

/** Packs trained networks (one or more, to be averaged) into the file format (convolutions quantised to int8 per output channel). */
export function packKeywordModel(networks: readonly KeywordWeights[], trainedOn: string): KeywordModelFile {
  if (networks.length < 1 || networks.length > MAX_NETWORKS) throw new KeywordModelError(`keyword model: 1 to ${MAX_NETWORKS} networks, not ${networks.length}`);
  return {
    format: KEYWORD_MODEL_FORMAT,
    version: 3,
    classes: [...COMMANDS, 'other'] as KeywordModelFile['classes'],
    bands: BANDS,
    trainedOn,
    networks: networks.map(packNetwork),
  };
}

function packNetwork(w: KeywordWeights): KeywordNetworkFile {
  let inputs = BANDS;
  const layers = w.layers.map((l) => {
    const per = inputs * l.kernel;
    const scale = new Float32Array(l.channels);
    for (let j = 0; j < l.weights.length; j++) {
      const o = Math.floor(j / per);
      scale[o] = Math.max(scale[o] as number, Math.abs(l.weights[j] as number) / 127);
    }
    for (let o = 0; o < l.channels; o++) if (scale[o] === 0) scale[o] = 1;
    const q = new Uint8Array(l.weights.length);
    for (let j = 0; j < q.length; j++) q[j] = Math.max(-127, Math.min(127, Math.round((l.weights[j] as number) / (scale[Math.floor(j / per)] as number)))) & 0xff;
    inputs = l.channels;
    return { channels: l.channels, kernel: l.kernel, pool: l.pool, weights: bytesToBase64(q), scale: floatsToBase64(scale), bias: floatsToBase64(l.bias) };
  });
  return {
    mean: floatsToBase64(w.mean),
    scale: floatsToBase64(w.scale),
    layers,
    output: { weights: floatsToBase64(w.output.weights), bias: floatsToBase64(w.output.bias) },
  };
}

/** The model's input for one utterance: [frame][band], flattened. */
export function keywordFeatures(utterance: Float32Array): Float32Array {
  return keywordFeaturesFromMels(melPowers(utterance));
}

/** The same from the utterance's mel powers (the recognizer has them already for its own features). */
export function keywordFeaturesFromMels(mels: readonly Float64Array[]): Float32Array {
  const out = new Float32Array(mels.length * BANDS);
  const mean = new Float64Array(BANDS);
  mels.forEach((m, t) => {
    for (let b = 0; b < BANDS; b++) {
      const v = Math.log10((m[b] as number) + 1e-10);
      out[t * BANDS + b] = v;
      mean[b] = (mean[b] as number) + v / mels.length;
    }
  });
  for (let t = 0; t < mels.length; t++) for (let b = 0; b < BANDS; b++) out[t * BANDS + b] = (out[t * BANDS + b] as number) - (mean[b] as number);
  return out;
}

/** One convolution (+ ReLU, + pooling) over [channel][frame] activations. */
function conv(layer: ConvLayer, x: Float32Array, frames: number): { y: Float32Array; frames: number } {
  const { inputs, channels, kernel, weights, bias } = layer;
  const pad = (kernel - 1) >> 1;
  const y = new Float32Array(channels * frames);
  for (let o = 0; o < channels; o++) {
    const row = y.subarray(o * frames, (o + 1) * frames);
    row.fill(bias[o] as number);
    for (let i = 0; i < inputs; i++) {
      const xi = x.subarray(i * frames, (i + 1) * frames);
      const w = (o * inputs + i) * kernel;
      for (let k = 0; k < kernel; k++) {
        const wk = weights[w + k] as number;
        if (wk === 0) continue;
        const shift = k - pad;
        const from = Math.max(0, -shift);
        const to = Math.min(frames, frames - shift);
        for (let t = from; t < to; t++) row[t] = (row[t] as number) + wk * (xi[t + shift] as number);
      }
    }
    for (let t = 0; t < frames; t++) if ((row[t] as number) < 0) row[t] = 0;
  }
  if (layer.pool === 1) return { y, frames };
  const half = frames >> 1;
  const pooled = new Float32Array(channels * half);
  for (let o = 0; o < channels; o++)
    for (let t = 0; t < half; t++) pooled[o * half + t] = Math.max(y[o * frames + 2 * t] as number, y[o * frames + 2 * t + 1] as number);
  return { y: pooled, frames: half };
}

/** Class probabilities (commands in COMMANDS order, then "other") for one utterance's features: the networks' average. */
export function posterior(model: KeywordModel, x: Float32Array): Float64Array {
  const p = new Float64Array(CLASSES);
  for (const network of model.networks) {
    const q = networkPosterior(network, x);
    for (let k = 0; k < CLASSES; k++) p[k] = (p[k] as number) + (q[k] as number) / model.networks.length;
  }
  return p;
}

function networkPosterior(model: KeywordNetwork, x: Float32Array): Float64Array {
  let frames = Math.floor(x.length / BANDS);
  // [band][frame], normalised.
  let h: Float32Array = new Float32Array(BANDS * frames);
  for (let t = 0; t < frames; t++)
    for (let b = 0; b < BANDS; b++) h[b * frames + t] = ((x[t * BANDS + b] as number) - (model.mean[b] as number)) / (model.scale[b] as number);
  for (const layer of model.layers) ({ y: h, frames } = conv(layer, h, frames));
  // The strongest response of each channel anywhere (ReLU outputs: 0 when there are no frames left).
  const channels = model.layers.at(-1)?.channels ?? BANDS;
  const pooled = new Float64Array(channels);
  for (let c = 0; c < channels; c++) for (let t = 0; t < frames; t++) pooled[c] = Math.max(pooled[c] as number, h[c * frames + t] as number);
  const p = new Float64Array(CLASSES);
  let max = -Infinity;
  for (let k = 0; k < CLASSES; k++) {
    let s = model.outBias[k] as number;
    for (let c = 0; c < channels; c++) s += (model.outWeights[k * channels + c] as number) * (pooled[c] as number);
    p[k] = s;
    max = Math.max(max, s);
  }
  let z = 0;
  for (let k = 0; k < CLASSES; k++) {
    p[k] = Math.exp((p[k] as number) - max);
    z += p[k] as number;
  }
  for (let k = 0; k < CLASSES; k++) p[k] = (p[k] as number) / z;
  return p;
}

/** What the model says about one utterance (its keyword features): the probability of `command`, and of "not a command". */
export function modelOpinion(model: KeywordModel, features: Float32Array, command: VoiceCommand): { command: number; other: number } {
  const p = posterior(model, features);
  return { command: p[COMMANDS.indexOf(command)] as number, other: p[OTHER] as number };
}
