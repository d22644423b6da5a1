/**
 * `npm run bench:voice-model [-- --hidden 128 --epochs 24 --negatives near|plain --variants +m1,… --out bench/results/keyword-model.json]`
 *
 * Trains the keyword model the voice recognizer takes as a second opinion
 * (shared/voice/keyword-model.ts; the defaults are the recipe of the shipped
 * resources/voice/keyword-model.json) on speech generated here, kept apart from what
 * `bench:voice` tests and tunes on: other espeak voice variants (the bench tests '' and
 * +m3 and tunes on +f2/+f4), other "other" words and sentences than the bench's
 * distractors, and other noise (fresh sox noise, a babble of other voices and
 * sentences). Every example is cut by the app's own VAD, as the recognizer would get
 * it. About 10 minutes to generate (cached renders make reruns faster) and 6 to train.
 * To ship a new model: copy it to resources/voice/, then refit the decision rule (see
 * resources/voice/README.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_RATE } from '../../../shared/voice/features';
import { COMMANDS } from '../../../shared/voice/recognizer';
import { Vad } from '../../../shared/voice/vad';
import { CACHE, mixTalkers, readWav16, render, VOICES, writeWav16 } from './corpus';
import { CLASSES, INPUTS, OTHER, keywordFeatures, packKeywordModel, type KeywordModelFile } from '../../../shared/voice/keyword-model';

const { values } = parseArgs({
  options: {
    // The defaults are the recipe of the shipped model (resources/voice/keyword-model.json).
    hidden: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '24' },
    /** "near": also train on near-homophones of the commands as "other" ("canvas", "dissolve", …); "plain": only the ordinary other words. */
    negatives: { type: 'string', default: 'near' },
    /** Voice variants to train on (comma separated); never the bench's test ('', +m3) or tune (+f2, +f4) speakers. */
    variants: { type: 'string', default: '+m1,+m2,+m4,+m5,+m6,+m7,+f1,+f3,+f5' },
    out: { type: 'string', default: 'bench/results/keyword-model.json' },
  },
});

const VARIANTS = values.variants.split(',').map((v) => v.trim());
if (!['near', 'plain'].includes(values.negatives)) throw new Error(`--negatives: near or plain, not ${values.negatives}`);
for (const v of VARIANTS) if (['', '+m3', '+f2', '+f4'].includes(v)) throw new Error(`--variants: ${v || "''"} is a bench speaker (test: '' and +m3, tune: +f2 and +f4)`);
const OTHER_WORDS = ['language', 'package', 'snowball', 'snoring', 'resolution', 'reserve', 'revolt', 'retreat', 'repair', 'rehearse', 'cancer', 'canteen', 'handle', 'channel', 'morning', 'server', 'network', 'thank you', 'seventeen', 'tomorrow', 'the queue is backing up', 'who is on call tonight', 'the disk is almost full', 'open the runbook page'];
const NEAR_NEGATIVES = ['canvas', 'camel', 'tassel', 'parcel', 'resell', 'revolver', 'resolute', 'dissolve', 'involve', 'absolve', 'reheat', 'repel', 'rebate', 'snoop', 'smooth', 'ledge', 'porridge', 'sledge', 'cartridge', 'cancelled order'];
type NoiseKind = 'white' | 'pink' | 'babble';
const CONDITIONS: ({ kind: NoiseKind; snrDb: number } | null)[] = [null, { kind: 'pink', snrDb: 20 }, { kind: 'pink', snrDb: 10 }, { kind: 'white', snrDb: 10 }, { kind: 'white', snrDb: 15 }, { kind: 'babble', snrDb: 15 }, { kind: 'babble', snrDb: 10 }, { kind: 'pink', snrDb: 5 }];

/** Training noise, made apart from the bench's beds. */
function trainingNoise(kind: NoiseKind): Float32Array {
  const out = join(CACHE, `train-noise-${kind}.wav`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    if (kind === 'babble') {
      const voices = ['en-us+m1', 'en-gb+f1', 'en-gb-scotland+m5', 'en-029+f3', 'en-gb-x-rp+m2', 'en-us+f5'];
      const text = ['the queue is backing up and nobody knows why', 'who is on call tonight for the storage team', 'the disk is almost full on three hosts', 'open the runbook page and read it out', 'latency looks fine to me from here', 'ship it after the review is done'];
      const tracks = voices.map((v, i) => render({ text: text.slice(i).concat(text.slice(0, i)).join('. '), voice: v, speed: 165 + 7 * i, pitch: 42 + 4 * i, padBefore: 0, padAfter: 0 }).samples);
      writeWav16(out, mixTalkers(tracks));
    } else {
      // No -R: other noise than the bench's (which sox makes with a fixed seed).
      execFileSync('sox', ['-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', out, 'synth', '30', `${kind}noise`, 'vol', '0.3'], { stdio: 'ignore' });
    }
  }
  return readWav16(out);
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
}

/** The first utterance the app's VAD would hand to the recognizer, if any. */
function firstUtterance(clip: Float32Array): Float32Array | null {
  const vad = new Vad();
  for (let i = 0; i < clip.length; i += 320) for (const s of vad.push(clip.subarray(i, i + 320))) if (!s.tooLong) return s.samples;
  for (const s of vad.push(new Float32Array(SAMPLE_RATE))) if (!s.tooLong) return s.samples;
  return null;
}

let seed = 1;
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

function generate(): { x: Float32Array[]; y: number[] } {
  const beds = { white: trainingNoise('white'), pink: trainingNoise('pink'), babble: trainingNoise('babble') };
  const texts: [string, number][] = [...COMMANDS.map((c, i) => [c, i] as [string, number]), ...OTHER_WORDS.map((w) => [w, OTHER] as [string, number])];
  if (values.negatives === 'near') texts.push(...NEAR_NEGATIVES.map((w) => [w, OTHER] as [string, number]));
  const x: Float32Array[] = [];
  const y: number[] = [];
  const started = Date.now();
  for (const voice of VOICES) {
    for (const variant of VARIANTS) {
      for (const [text, label] of texts) {
        for (const speed of [155, 190]) {
          for (const pitch of [42, 58]) {
            for (const band of ['wide', 'narrow'] as const) {
              const r = render({ text, voice: `${voice}${variant}`, speed, pitch, band });
              for (let copy = 0; copy < (label === OTHER ? 2 : 3); copy++) {
                const condition = CONDITIONS[Math.floor(rand() * CONDITIONS.length)] ?? null;
                const clip = Float32Array.from(r.samples);
                if (condition) {
                  const bed = beds[condition.kind];
                  const gain = rms(clip, r.speechStart, r.speechEnd) / (rms(bed, 0, bed.length) * 10 ** (condition.snrDb / 20));
                  const offset = Math.floor(rand() * (bed.length - clip.length));
                  for (let i = 0; i < clip.length; i++) clip[i] = (clip[i] as number) + gain * (bed[offset + i] as number);
                }
                const utterance = firstUtterance(clip);
                if (!utterance) continue;
                x.push(keywordFeatures(utterance));
                y.push(label);
              }
            }
          }
        }
      }
      console.log(`${voice}${variant}: ${x.length} examples, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }
  return { x, y };
}

function train(x: Float32Array[], y: number[], hidden: number, epochs: number): KeywordModelFile {
  const inputs = INPUTS;
  const n = x.length;
  const mean = new Float64Array(inputs);
  const scale = new Float64Array(inputs);
  for (const v of x) for (let j = 0; j < inputs; j++) mean[j] = (mean[j] as number) + (v[j] as number) / n;
  for (const v of x) for (let j = 0; j < inputs; j++) scale[j] = (scale[j] as number) + ((v[j] as number) - (mean[j] as number)) ** 2 / n;
  for (let j = 0; j < inputs; j++) scale[j] = Math.sqrt(scale[j] as number) + 1e-6;
  const xs = x.map((v) => Float64Array.from(v, (e, j) => (e - (mean[j] as number)) / (scale[j] as number)));
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const w1 = Float64Array.from({ length: inputs * hidden }, () => gauss() * Math.sqrt(2 / inputs));
  const b1 = new Float64Array(hidden);
  const w2 = Float64Array.from({ length: hidden * CLASSES }, () => gauss() * Math.sqrt(2 / hidden));
  const b2 = new Float64Array(CLASSES);
  const params = [w1, b1, w2, b2];
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const order = Array.from({ length: n }, (_, i) => i);
  const held = order.filter((i) => i % 10 === 0);
  const fit = order.filter((i) => i % 10 !== 0);
  const h = new Float64Array(hidden);
  const p = new Float64Array(CLASSES);
  const dh = new Float64Array(hidden);
  const forward = (v: Float64Array): void => {
    for (let k = 0; k < hidden; k++) {
      let s = b1[k] as number;
      for (let j = 0; j < inputs; j++) s += (v[j] as number) * (w1[j * hidden + k] as number);
      h[k] = s > 0 ? s : 0;
    }
    let max = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = b2[c] as number;
      for (let k = 0; k < hidden; k++) s += (h[k] as number) * (w2[k * CLASSES + c] as number);
      p[c] = s;
      max = Math.max(max, s);
    }
    let z = 0;
    for (let c = 0; c < CLASSES; c++) z += p[c] = Math.exp((p[c] as number) - max);
    for (let c = 0; c < CLASSES; c++) p[c] = (p[c] as number) / z;
  };
  let step = 0;
  const batchSize = 64;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = fit.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [fit[i], fit[j]] = [fit[j] as number, fit[i] as number];
    }
    let loss = 0;
    for (let s = 0; s < fit.length; s += batchSize) {
      for (const g of grads) g.fill(0);
      const batch = fit.slice(s, s + batchSize);
      for (const i of batch) {
        const v = xs[i] as Float64Array;
        const label = y[i] as number;
        forward(v);
        loss -= Math.log((p[label] as number) + 1e-12);
        for (let c = 0; c < CLASSES; c++) {
          const g = (p[c] as number) - (c === label ? 1 : 0);
          (grads[3] as Float64Array)[c] = ((grads[3] as Float64Array)[c] as number) + g;
          for (let k = 0; k < hidden; k++) (grads[2] as Float64Array)[k * CLASSES + c] = ((grads[2] as Float64Array)[k * CLASSES + c] as number) + g * (h[k] as number);
        }
        for (let k = 0; k < hidden; k++) {
          let s2 = 0;
          for (let c = 0; c < CLASSES; c++) s2 += ((p[c] as number) - (c === label ? 1 : 0)) * (w2[k * CLASSES + c] as number);
          dh[k] = (h[k] as number) > 0 ? s2 : 0;
        }
        const g0 = grads[0] as Float64Array;
        for (let j = 0; j < inputs; j++) {
          const xj = v[j] as number;
          for (let k = 0; k < hidden; k++) g0[j * hidden + k] = (g0[j * hidden + k] as number) + xj * (dh[k] as number);
        }
        for (let k = 0; k < hidden; k++) (grads[1] as Float64Array)[k] = ((grads[1] as Float64Array)[k] as number) + (dh[k] as number);
      }
      step++;
      // Adam, with a little weight decay.
      params.forEach((param, q) => {
        const g = grads[q] as Float64Array;
        const a = m1[q] as Float64Array;
        const b = m2[q] as Float64Array;
        for (let t = 0; t < param.length; t++) {
          const gt = (g[t] as number) / batch.length + 1e-4 * (param[t] as number);
          a[t] = 0.9 * (a[t] as number) + 0.1 * gt;
          b[t] = 0.999 * (b[t] as number) + 0.001 * gt * gt;
          param[t] = (param[t] as number) - (1e-3 * ((a[t] as number) / (1 - 0.9 ** step))) / (Math.sqrt((b[t] as number) / (1 - 0.999 ** step)) + 1e-8);
        }
      });
    }
    let right = 0;
    for (const i of held) {
      forward(xs[i] as Float64Array);
      let best = 0;
      for (let c = 1; c < CLASSES; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      if (best === y[i]) right++;
    }
    console.log(`epoch ${epoch}: loss ${(loss / fit.length).toFixed(3)}, held-out examples ${((100 * right) / held.length).toFixed(1)} % right`);
  }
  const trainedOn =
    `espeak-ng voices ${VOICES.join(', ')} with variants ${VARIANTS.join(', ')}; the commands and ${OTHER_WORDS.length}${values.negatives === 'near' ? ` + ${NEAR_NEGATIVES.length} near` : ''} other words and phrases; ` +
    `speeds 155/190, pitches 42/58, wideband and 8 kHz headset band; clean or white/pink/babble noise at 5–20 dB SNR; ${x.length} examples, ${hidden} hidden units, ${epochs} epochs (npm run bench:voice-model)`;
  return packKeywordModel({ hidden, mean, scale, w1, b1, w2, b2 }, trainedOn);
}

const { x, y } = generate();
const model = train(x, y, Number(values.hidden), Number(values.epochs));
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(model, null, 1)}\n`);
console.log(`wrote ${values.out} (${x.length} examples); measure it with: npm run bench:voice -- --model ${values.out}`);
