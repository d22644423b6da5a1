/**
 * The keyword model that ships with Earshot (resources/voice/keyword-model.json): the
 * file is validated like any input (a damaged one is refused, naming the part); packing
 * keeps the trained networks' answers, and a file of several networks answers with their
 * average; the shipped model knows the commands said by a
 * voice it was never trained on; and as the recognizer's second opinion it turns
 * commands said in noise from "say again?" into answers without accepting other words.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { BANDS, CLASSES, packKeywordModel, parseKeywordModel, posterior, keywordFeatures, type KeywordWeights } from '../../shared/voice/keyword-model';
import { VoiceListener, type ListenerEvent } from '../../shared/voice/listener';
import { COMMANDS, CommandRecognizer, type Decision } from '../../shared/voice/recognizer';
import { Vad, type SpeechSegment } from '../../shared/voice/vad';
import { loadKeywordModel, SHIPPED_MODEL } from '../bench/voice/keyword-model';
import { espeakEnrolment, render, type RenderSpec } from '../bench/voice/corpus';

const missing = findExecutable('espeak-ng') && findExecutable('sox') ? null : 'espeak-ng and sox are needed';

function shippedFile(): Record<string, unknown> {
  return JSON.parse(readFileSync(SHIPPED_MODEL, 'utf8')) as Record<string, unknown>;
}

/** A tiny deterministic network in training layout (convolutions [out][in][kernel], output [class][channel]). */
function tinyWeights(seed = 7): KeywordWeights {
  let s = seed;
  const r = () => ((s = (s * 48271) % 2147483647) / 2147483647 - 0.5) * 0.4;
  const conv = (inputs: number, channels: number, kernel: number, pool: 1 | 2) => ({ channels, kernel, pool, weights: Array.from({ length: channels * inputs * kernel }, r), bias: Array.from({ length: channels }, r) });
  return {
    mean: Array.from({ length: BANDS }, r),
    scale: Array.from({ length: BANDS }, () => 1 + Math.abs(r())),
    layers: [conv(BANDS, 8, 5, 2), conv(8, 12, 3, 1)],
    output: { weights: Array.from({ length: CLASSES * 12 }, () => r() * 10), bias: Array.from({ length: CLASSES }, r) },
  };
}

/** The same network in plain float arithmetic, written out the obvious way (zero padding, ReLU, pairs, strongest frame). */
function reference(w: KeywordWeights, x: Float32Array): number[] {
  let frames = x.length / BANDS;
  let h: number[][] = Array.from({ length: BANDS }, (_, b) => Array.from({ length: frames }, (_, t) => ((x[t * BANDS + b] as number) - (w.mean[b] as number)) / (w.scale[b] as number)));
  for (const l of w.layers) {
    const pad = (l.kernel - 1) / 2;
    const y = Array.from({ length: l.channels }, (_, o) =>
      Array.from({ length: frames }, (_, t) => {
        let sum = l.bias[o] as number;
        h.forEach((row, i) => {
          for (let k = 0; k < l.kernel; k++) sum += (l.weights[(o * h.length + i) * l.kernel + k] as number) * (row[t + k - pad] ?? 0);
        });
        return Math.max(0, sum);
      }),
    );
    h = l.pool === 2 ? y.map((row) => Array.from({ length: Math.floor(frames / 2) }, (_, t) => Math.max(row[2 * t] as number, row[2 * t + 1] as number))) : y;
    if (l.pool === 2) frames = Math.floor(frames / 2);
  }
  const pooled = h.map((row) => Math.max(0, ...row));
  const z = Array.from({ length: CLASSES }, (_, k) => pooled.reduce((a, v, c) => a + v * (w.output.weights[k * pooled.length + c] as number), w.output.bias[k] as number));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
}

describe('keyword model file', () => {
  it('the shipped file parses, and says where it came from', () => {
    const file = shippedFile();
    expect(file['format']).toBe('earshot-keyword-model');
    expect(String(file['trainedOn'])).toMatch(/espeak-ng/);
    const model = parseKeywordModel(file);
    expect(model.networks.length).toBe(3);
    for (const n of model.networks) {
      expect(n.layers.length).toBeGreaterThan(1);
      expect(n.outWeights.length).toBe(CLASSES * (n.layers.at(-1)?.channels ?? 0));
    }
  });

  it('a damaged file is refused, naming the part', () => {
    const file = shippedFile();
    const networks = file['networks'] as Record<string, unknown>[];
    const net1 = networks[1] as Record<string, unknown>;
    const layers = net1['layers'] as Record<string, unknown>[];
    const damaged = (patch: Record<string, unknown>) => () => parseKeywordModel({ ...file, ...patch });
    const network1 = (patch: Record<string, unknown>) => damaged({ networks: [networks[0], { ...net1, ...patch }, ...networks.slice(2)] });
    const layer0 = (patch: Record<string, unknown>) => network1({ layers: [{ ...layers[0], ...patch }, ...layers.slice(1)] });
    expect(damaged({ format: 'pickle' })).toThrow(/format/);
    expect(damaged({ version: 1 })).toThrow(/version/);
    expect(damaged({ networks: [] })).toThrow(/networks/);
    expect(damaged({ networks: Array.from({ length: 9 }, () => net1) })).toThrow(/networks/);
    expect(layer0({ weights: 'AAAA' })).toThrow(/networks\.1\.layers\.0\.weights: 3 values, expected/);
    expect(layer0({ kernel: 4 })).toThrow(/networks\.1\.layers\.0\.kernel: must be odd/);
    expect(layer0({ pool: 3 })).toThrow(/networks\.1\.layers\.0\.pool/);
    expect(network1({ layers: layers.slice(1) })).toThrow(/networks\.1\.layers\.0\.weights: \d+ values, expected \d+ \(\d+ × 24 × \d+\)/);
    expect(network1({ layers: [] })).toThrow(/networks\.1\.layers/);
    expect(network1({ output: { ...(net1['output'] as object), bias: 'not base64!' } })).toThrow(/networks\.1\.output\.bias: expected base64/);
    expect(damaged({ classes: ['acknowledge', 'snooze', 'resolve', 'repeat', 'rm -rf', 'other'] })).toThrow(/classes\.4/);
    // NaN as float32 bits (0x7fc00000, little-endian), where an output bias should be.
    const nan = Buffer.alloc(4 * CLASSES);
    nan.writeUInt32LE(0x7fc00000, 0);
    expect(network1({ output: { ...(net1['output'] as object), bias: nan.toString('base64') } })).toThrow(/networks\.1\.output\.bias: not all finite/);
    expect(() => parseKeywordModel(null)).toThrow(/\(root\)/);
  });

  it('a version 2 file (one network, its fields at the top) still loads', () => {
    const { networks, ...rest } = shippedFile() as { networks: Record<string, unknown>[] };
    const one = parseKeywordModel({ ...rest, version: 2, ...networks[0] });
    const x = Float32Array.from({ length: 40 * BANDS }, (_, j) => Math.sin(j / 3));
    expect(Array.from(posterior(one, x))).toEqual(Array.from(posterior({ networks: [parseKeywordModel(shippedFile()).networks[0]!] }, x)));
    expect(() => parseKeywordModel({ ...rest, version: 2, ...networks[0], layers: [] })).toThrow(/^keyword model: layers/);
  });

  it('computes what the network says (checked against a plain re-implementation), and int8 packing keeps it', () => {
    const w = tinyWeights();
    const model = parseKeywordModel(JSON.parse(JSON.stringify(packKeywordModel([w], 'test'))));
    for (const frames of [0, 1, 2, 7, 30, 61]) {
      const x = Float32Array.from({ length: frames * BANDS }, (_, j) => Math.sin(j * (frames + 1)) * 2);
      const got = posterior(model, x);
      const want = reference(w, x);
      for (let c = 0; c < CLASSES; c++) expect(Math.abs((got[c] as number) - (want[c] as number)), `${frames} frames, class ${c}`).toBeLessThan(0.02);
    }
  });

  it('a file of several networks answers with the average of what each says', () => {
    const ws = [tinyWeights(7), tinyWeights(11), tinyWeights(13)];
    const model = parseKeywordModel(JSON.parse(JSON.stringify(packKeywordModel(ws, 'test'))));
    expect(model.networks.length).toBe(3);
    const x = Float32Array.from({ length: 30 * BANDS }, (_, j) => Math.cos(j * 0.7) * 2);
    const each = ws.map((w) => reference(w, x));
    const got = posterior(model, x);
    // The three disagree (or averaging would prove nothing), and the file answers with their mean.
    const spread = Math.max(...Array.from({ length: CLASSES }, (_, c) => Math.max(...each.map((p) => p[c] as number)) - Math.min(...each.map((p) => p[c] as number))));
    expect(spread).toBeGreaterThan(0.1);
    for (let c = 0; c < CLASSES; c++) expect(Math.abs((got[c] as number) - each.reduce((a, p) => a + (p[c] as number), 0) / 3), `class ${c}`).toBeLessThan(0.02);
    expect(got.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 9);
    expect(() => packKeywordModel([], 'test')).toThrow(/1 to 8 networks, not 0/);
  });
});

/** What the app's VAD hands the recognizer, and the room noise from before it. */
function heard(spec: RenderSpec): { segment: SpeechSegment; noise: Float32Array } {
  const r = render(spec);
  const vad = new Vad();
  const segments: SpeechSegment[] = [];
  for (let i = 0; i < r.samples.length; i += 320) segments.push(...vad.push(r.samples.subarray(i, i + 320)));
  segments.push(...vad.push(new Float32Array(16_000)));
  // The stretch that holds the word (among other voices the VAD may also cut one of theirs).
  const overlap = (s: SpeechSegment) => Math.min(s.end, r.speechEnd) - Math.max(s.start, r.speechStart);
  const segment = [...segments].sort((a, b) => overlap(b) - overlap(a))[0] as SpeechSegment;
  return { segment, noise: r.samples.subarray(Math.max(0, segment.start - 8_800), Math.max(0, segment.start - 800)) };
}

describe.skipIf(missing !== null)(`the shipped keyword model${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const model = loadKeywordModel();

  it('names each command said by a voice it never heard in training, and calls other words "other"', () => {
    for (const [i, c] of COMMANDS.entries()) {
      const p = posterior(model, keywordFeatures(heard({ text: c, voice: 'en-us', speed: 170, pitch: 48 }).segment.samples));
      expect(p[i], c).toBeGreaterThan(0.9);
    }
    // (Near-homophones such as "knowledge" or "revolve" fool the model alone: it spots a
    // command's sounds wherever they are. That is why it is only a second opinion next to
    // the user's own takes — see the next test.)
    for (const w of ['weather', 'hello', 'the build is green']) {
      const p = posterior(model, keywordFeatures(heard({ text: w, voice: 'en-us', speed: 170, pitch: 48 }).segment.samples));
      expect(p[COMMANDS.length], w).toBeGreaterThan(0.9);
    }
  });

  /**
   * Each command said by `voice` at two speeds and two pitches in this noise (20 clips): how many
   * the shipped recognizer and another one accept (never as another command); then `words`, which
   * the shipped one must not accept.
   */
  /** Commands accepted (of 20) by each recognizer, in white or pink noise 10 dB down or six-talker babble 15 dB down; the words must not be accepted. */
  function tally(voice: string, noiseKind: 'pink' | 'white' | 'babble', shipped: CommandRecognizer, other: CommandRecognizer, words: string[]): { shipped: number; other: number } {
    const counts = { shipped: 0, other: 0 };
    let seed = 0;
    const said = (text: string, speed: number, pitch: number) => heard({ text, voice, speed, pitch, noise: { kind: noiseKind, snrDb: noiseKind === 'babble' ? 15 : 10, seed: seed++ } });
    for (const c of COMMANDS)
      for (const speed of [150, 200])
        for (const pitch of [40, 60]) {
          const { segment, noise } = said(c, speed, pitch);
          for (const [k, r] of [['shipped', shipped], ['other', other]] as const) {
            const d: Decision = r.classify(segment.samples, noise);
            if (d.decision !== 'accept') continue;
            expect(d.command).toBe(c); // never a wrong command
            counts[k]++;
          }
        }
    for (const w of words) {
      const { segment, noise } = said(w, 175, 50);
      expect(shipped.classify(segment.samples, noise).decision, w).not.toBe('accept');
    }
    return counts;
  }

  it('as a second opinion: among other voices it answers where the takes alone ask again, and accepts no other word', () => {
    // (The Scottish voice until session 17; en-029 alone until session 19, when the takes' own rule,
    // refitted on the corrected bench, got 17 of its 20 there: now two voices.)
    const counts = { shipped: 0, other: 0 };
    for (const voice of ['en-029', 'en-gb-x-gbclan']) {
      const enrolment = espeakEnrolment(voice);
      const shipped = new CommandRecognizer(enrolment, {}, model);
      const { segment, noise } = heard({ text: 'snooze', voice, speed: 170, pitch: 50, noise: { kind: 'babble', snrDb: 15, seed: 99 } });
      expect(shipped.classify(segment.samples, noise).model, 'the decision shows the model’s opinion').toBeDefined();
      const alone = new CommandRecognizer(enrolment);
      const one = tally(voice, 'babble', shipped, alone, ['knowledge', 'revolve', 'candle', 'snow', 'report', 'hello']);
      counts.shipped += one.shipped;
      counts.other += one.other;
    }
    expect(counts.shipped).toBeGreaterThanOrEqual(36); // of 40
    // 40 against 33.
    expect(counts.shipped).toBeGreaterThan(counts.other + 4);
  });

  it('each command gets its own line and long words count against it: a Scottish voice in white noise at 10 dB gets 19 of 20 through (16 with one line for all)', () => {
    // The rule fitted before per-command offsets and the length measure, for comparison.
    const oneLine = { weights: [0.0052, -0.1108, -3.3597, 0.6055], model: [1.1741, -0.4954], length: 0, highBand: { acknowledge: 0, snooze: 0, resolve: 0, repeat: 0, cancel: 0 }, noHighBand: { acknowledge: 0, snooze: 0, resolve: 0, repeat: 0, cancel: 0 }, perCommand: { acknowledge: 0, snooze: 0, resolve: 0, repeat: 0, cancel: 0 }, accept: 3.7468, unsure: 1.5416 } as const;
    const enrolment = espeakEnrolment('en-gb-scotland');
    const before = new CommandRecognizer(enrolment, { withModel: oneLine }, model);
    const counts = tally('en-gb-scotland', 'white', new CommandRecognizer(enrolment, {}, model), before, ['acknowledgement', 'knowledge', 'revolve', 'snow', 'report', 'hello']);
    expect(counts.shipped).toBeGreaterThanOrEqual(18); // of 20
    expect(counts.other).toBeLessThan(counts.shipped);
  });

  it('a word the VAD cuts in two is heard whole: "cancel" over the headset band in noise 5 dB down (its /s/ lies above 4 kHz) gets 7 of 8 through, 3 without joining', () => {
    const rec = new CommandRecognizer(espeakEnrolment('en-us'), {}, model);
    const counts = { joined: 0, alone: 0, split: 0 };
    let seed = 0;
    for (const kind of ['white', 'pink'] as const)
      for (const speed of [150, 200])
        for (const pitch of [40, 60]) {
          const r = render({ text: 'cancel', voice: 'en-us', speed, pitch, band: 'narrow', noise: { kind, snrDb: 5, seed: seed++ } });
          const audio = new Float32Array(r.samples.length + 16_000);
          audio.set(r.samples);
          for (const [k, joinGapMs] of [['joined', 300], ['alone', 0]] as const) {
            const listener = new VoiceListener(() => rec, { now: () => 0, setTimer: () => 0, clearTimer: () => undefined }, { joinGapMs });
            const events: ListenerEvent[] = [];
            listener.on((e) => events.push(e));
            listener.start(1);
            for (let i = 0; i < audio.length; i += 320) listener.push(audio.subarray(i, i + 320));
            const heard = events.filter((e) => e.type === 'heard');
            if (k === 'joined' && heard.length > 1) counts.split++;
            const command = events.find((e) => e.type === 'command');
            if (command?.type === 'command' && command.command === 'cancel') counts[k]++;
          }
        }
    expect(counts.split, 'clips the VAD cut in two').toBeGreaterThanOrEqual(4);
    expect(counts.joined).toBeGreaterThanOrEqual(7);
    expect(counts.alone).toBeLessThanOrEqual(8 - counts.split);
  });
});
