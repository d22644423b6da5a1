/**
 * The voice-command corpus, generated here (nothing downloaded): espeak-ng speaks
 * each command and many distractors in several English voices (accents), speeds and
 * pitches; sox resamples it to 16 kHz, optionally squeezes it through an 8 kHz
 * Bluetooth-headset band (what an AirPods microphone sends in a call), and noise
 * (white, pink, brown, and office babble made of other espeak voices) is mixed in at
 * a chosen SNR. Renders are cached by their parameters.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_RATE } from '../../../shared/voice/features';
import { COMMANDS, encodePcm, enrolmentSchema, type Enrolment, type VoiceCommand } from '../../../shared/voice/recognizer';
import { TakeCutter } from '../../../shared/voice/take';
import { HighPass, VAD_DEFAULTS } from '../../../shared/voice/vad';
import { ACCENT_RENDER, ACCENT_VOICES, accentSpeech } from './accent';

export const CACHE = process.env['EARSHOT_VOICE_CACHE'] ?? join(tmpdir(), 'earshot-voice-corpus');

/** English voices espeak-ng ships (each an accent), and variants (different vocal tracts) to make "people". */
export const VOICES = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029'] as const;
/**
 * The bench's speakers, by role: "test" is what is reported; "tune" is where the decision rule is
 * fitted; "check" is measured once after a change that was compared on the test speakers more
 * than once, to see whether the chosen one holds on voices no choice was made on; "hard" (a low,
 * rough voice and a high, thin one, unlike the training voices as "check" is) is where changes meant
 * for voices the model never heard are chosen. No training voice is any of them.
 */
export const SPEAKER_VARIANTS = { test: ['', '+m3'], tune: ['+f2', '+f4'], check: ['+m8', '+Annie'], hard: ['+Michael', '+shelby'] } as const;

/**
 * Voices made from recordings of real people (flite's and festival's, from Debian), as users of
 * the bench: "people" (a Scottish man and an American woman, the woman by two engines) is
 * reported; "people-tune" (three American men, one by two engines) is where decision rules may be
 * fitted, beside the espeak "tune" speakers. The shipped keyword model trains on neither.
 * "accents" are people who speak other languages, speaking English with their accent
 * (`accent:<voice>`, see accent.ts): a Czech woman, a Finnish man and a Hindi man, reported;
 * "accents-tune" (an Italian woman and man, a Finnish woman, two Czech men) is where rules for
 * voices the model does not know may be fitted.
 */
export const PEOPLE = {
  people: ['flite:awb', 'flite:slt', 'festival:cmu_us_slt_arctic_hts'],
  'people-tune': ['flite:rms', 'flite:kal16', 'festival:ked_diphone', 'festival:kal_diphone'],
  accents: ['accent:czech_dita', 'accent:hy_fi_mv_diphone', 'accent:hindi_NSK_diphone'],
  'accents-tune': ['accent:lp_diphone', 'accent:pc_diphone', 'accent:suo_fi_lj_diphone', 'accent:czech_machac', 'accent:czech_ph'],
  'accents-check': ['accent:czech_krb'],
} as const;

/** A voice of another engine than espeak-ng (`flite:<voice>`, `festival:<voice>`, `accent:<voice>`), or null for espeak's. */
export function engineVoice(voice: string): { engine: 'flite' | 'festival' | 'accent'; name: string } | null {
  const m = /^(flite|festival|accent):([A-Za-z0-9_]+)$/.exec(voice);
  return m ? { engine: m[1] as 'flite' | 'festival' | 'accent', name: m[2] as string } : null;
}

/** Debian's packages for the engine voices, so a missing one is named, not a bare ENOENT. */
const ENGINE_PACKAGES: Record<string, string> = {
  flite: 'flite',
  cmu_us_slt_arctic_hts: 'festival festvox-us-slt-hts',
  ked_diphone: 'festival festvox-kdlpc16k',
  kal_diphone: 'festival festvox-kallpc16k',
};

/** Whether festival can load voice `name`. */
function festivalHas(name: string): boolean {
  try {
    execFileSync('festival', ['--batch', `(voice_${name})`], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Throws, naming what to install, unless every engine voice in `voices` can speak here. */
export function checkEngineVoices(voices: readonly string[]): void {
  const missing = new Set<string>();
  for (const voice of voices) {
    const v = engineVoice(voice);
    if (!v) continue;
    if (v.engine === 'flite') {
      let listed: string[] = [];
      try {
        listed = execFileSync('flite', ['-lv'], { encoding: 'utf8' }).split(/\s+/);
      } catch {
        // no flite at all
      }
      if (!listed.includes(v.name)) missing.add(ENGINE_PACKAGES['flite'] as string);
    } else if (v.engine === 'accent') {
      const accent = ACCENT_VOICES[v.name];
      // festival's English voice works out the phones; the other voice speaks them.
      if (!festivalHas('kal_diphone')) missing.add(ENGINE_PACKAGES['kal_diphone'] as string);
      if (!accent || !festivalHas(v.name)) missing.add(accent ? `festival ${accent.apt}` : `an accent voice ${v.name}`);
    } else if (!festivalHas(v.name)) missing.add(ENGINE_PACKAGES[v.name] ?? `a ${v.engine} voice ${v.name}`);
  }
  if (missing.size) throw new Error(`these voices need: apt-get install ${[...missing].join(' ')}`);
}

export const DISTRACTOR_WORDS = [
  'knowledge', 'college', 'acknowledgement', 'snow', 'sneeze', 'snooker', 'resort', 'result', 'revolve', 'report', 'repeal', 'rebuild',
  'council', 'candle', 'castle', 'hello', 'okay', 'deploy', 'restart', 'please', 'seven', 'weather', 'coffee', 'monitor', 'alert', 'database',
] as const;
export const DISTRACTOR_SENTENCES = [
  'the database is on fire again',
  'can you hear me now',
  'let us check the dashboard first',
  'I will look at it after lunch',
  'what time is the meeting',
  'the build is green',
  'did anyone page the network team',
  'send me the logs please',
] as const;

export interface RenderSpec {
  text: string;
  voice: string;
  speed: number;
  pitch: number;
  /** 'narrow': through an 8 kHz headset band and back. */
  band?: 'wide' | 'narrow';
  noise?: { kind: 'white' | 'pink' | 'brown' | 'babble'; snrDb: number; seed?: number };
  /** Silence (or noise) before and after the speech, in seconds. */
  padBefore?: number;
  padAfter?: number;
  /** 'msbc': what the microphone heard (speech and noise together) carried over a Bluetooth headset's wideband link (throughMsbc). */
  mic?: 'msbc';
}

function key(o: unknown): string {
  return createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 24);
}

export function readWav16(path: string): Float32Array {
  const b = readFileSync(path);
  let at = 12;
  let fmt: { channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(at + 10), rate: b.readUInt32LE(at + 12), bits: b.readUInt16LE(at + 22) };
    if (id === 'data') {
      if (!fmt || fmt.bits !== 16 || fmt.channels !== 1 || fmt.rate !== SAMPLE_RATE) throw new Error(`${path}: want 16-bit mono ${SAMPLE_RATE} Hz, got ${JSON.stringify(fmt)}`);
      const n = Math.min(size, b.length - at - 8) >> 1;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = b.readInt16LE(at + 8 + 2 * i) / 32768;
      return out;
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

export function writeWav16(path: string, samples: Float32Array, rate = SAMPLE_RATE): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((samples[i] as number) * 32767))), 2 * i);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([h, data]));
  renameSync(tmp, path);
}

/** sox effects: through an 8 kHz headset link's band and back to 16 kHz. */
const NARROW_BAND = ['sinc', '300-3400', 'rate', '8000', 'rate', String(SAMPLE_RATE)];

/**
 * Speech → 16 kHz mono (text as an argument or on stdin: never through a shell). Cached.
 * A voice is espeak-ng's (`en-gb+m3`), or another engine's: `flite:<voice>` (flite's voices
 * awb, kal16, rms, slt: made from recordings of real people) or `festival:<voice>` (e.g.
 * ked_diphone, cmu_us_slt_arctic_hts), or `accent:<voice>` (English with the accent of another
 * language's speaker: accent.ts). For those, speed and pitch (espeak's units: words per
 * minute, 0–99 around 50) are sox's `tempo` (175 wpm = 1) and `pitch` (10 cents per unit, which
 * moves the formants with it, as a slightly other vocal tract would).
 */
function speech(text: string, voice: string, speed: number, pitch: number, band: 'wide' | 'narrow'): Float32Array {
  mkdirSync(CACHE, { recursive: true });
  const engine = engineVoice(voice);
  // Accented renders change with accent.ts's tables: its version is part of their keys.
  const version = engine?.engine === 'accent' ? { accent: ACCENT_RENDER } : {};
  const out = join(CACHE, `s-${key({ text, voice, speed, pitch, band, ...version })}.wav`);
  if (!existsSync(out)) {
    const effects: string[] = [];
    let raw = `${out}.${process.pid}.raw.wav`;
    if (!engine) execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', raw, '--', text], { stdio: 'ignore' });
    else {
      // The engine's own render, once per text and voice (festival takes half a second to start).
      raw = join(CACHE, `e-${key({ text, voice, ...version })}.wav`);
      if (!existsSync(raw)) {
        const tmp = `${raw}.${process.pid}.tmp.wav`;
        if (engine.engine === 'flite') execFileSync('flite', ['-voice', engine.name, '-t', text, '-o', tmp], { stdio: 'ignore' });
        else if (engine.engine === 'accent') accentSpeech(text, engine.name, tmp, CACHE);
        else execFileSync('text2wave', ['-eval', `(voice_${engine.name})`, '-o', tmp, '-'], { input: text, stdio: ['pipe', 'ignore', 'ignore'] });
        renameSync(tmp, raw);
      }
      if (speed !== 175) effects.push('tempo', '-s', (speed / 175).toFixed(4));
      if (pitch !== 50) effects.push('pitch', String((pitch - 50) * 10));
    }
    effects.push(...(band === 'narrow' ? NARROW_BAND : ['rate', String(SAMPLE_RATE)]));
    const tmp = `${out}.${process.pid}.sox.wav`;
    execFileSync('sox', [raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', tmp, ...effects], { stdio: 'ignore' });
    renameSync(tmp, out);
    if (!engine) execFileSync('rm', ['-f', raw]);
  }
  return readWav16(out);
}

/** Several talkers at once: the tracks averaged, each started at a different point so they do not line up. */
export function mixTalkers(tracks: readonly Float32Array[]): Float32Array {
  const len = Math.min(...tracks.map((t) => t.length));
  const mix = new Float32Array(len);
  tracks.forEach((t, i) => {
    const shift = Math.floor((i * len) / tracks.length);
    for (let j = 0; j < len; j++) mix[j] = (mix[j] as number) + (t[(j + shift) % len] as number) / tracks.length;
  });
  return mix;
}

/**
 * A noise recording, long enough to cut from (sox's own generators; babble from espeak voices).
 * `narrow`: as heard over an 8 kHz headset link, through the same band as the speech (sox's filters
 * are linear, so speech and noise band-limited apart and added are the mix band-limited).
 */
function noiseBed(kind: 'white' | 'pink' | 'brown' | 'babble', band: 'wide' | 'narrow' = 'wide'): Float32Array {
  mkdirSync(CACHE, { recursive: true });
  if (band === 'narrow') {
    const out = join(CACHE, `n-${kind}-narrow.wav`);
    if (!existsSync(out)) {
      noiseBed(kind);
      const tmp = `${out}.${process.pid}.tmp.wav`;
      execFileSync('sox', [join(CACHE, `n-${kind}.wav`), '-b', '16', tmp, ...NARROW_BAND], { stdio: 'ignore' });
      renameSync(tmp, out);
    }
    return readWav16(out);
  }
  const out = join(CACHE, `n-${kind}.wav`);
  if (!existsSync(out)) {
    if (kind === 'babble') {
      // Six people talking at once, none of them saying a command.
      const voices = ['en-us+m3', 'en-gb+f2', 'en-gb-scotland+f4', 'en-029', 'en-gb-x-rp+m3', 'en-us+f2'];
      const tracks = voices.map((v, i) => speech(DISTRACTOR_SENTENCES.slice(i).concat(DISTRACTOR_SENTENCES.slice(0, i)).join('. '), v, 160 + 10 * i, 40 + 5 * i, 'wide'));
      writeWav16(out, mixTalkers(tracks));
    } else {
      const tmp = `${out}.${process.pid}.tmp.wav`;
      execFileSync('sox', ['-R', '-n', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', tmp, 'synth', '20', `${kind}noise`, 'vol', '0.3'], { stdio: 'ignore' });
      renameSync(tmp, out);
    }
  }
  return readWav16(out);
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
}

/**
 * Where the speech is in a clean render, measured as the VAD measures, above its high-pass (a
 * recording's hum under the voice is not speech): `loud`, within 30 dB of its loudest 10 ms — where
 * the SNR is set and latency is measured from; `all`, within 40 dB — its soft first and last sounds
 * too (flite's `slt` begins "snooze" 32–38 dB under her vowel), what is kept of the render, the rest
 * becoming silence. (Until session 19 only the loud part, found over the whole band, was kept: a soft
 * first sound was cut to silence, a voice's studio hum kept as speech.)
 */
function speechExtent(x: Float32Array): { loud: { start: number; end: number }; all: { start: number; end: number } } {
  const frame = 160;
  const hp = new HighPass(VAD_DEFAULTS.highPassHz);
  const e: number[] = [];
  for (let i = 0; i + frame <= x.length; i += frame) {
    let s = 0;
    for (let j = i; j < i + frame; j++) s += hp.next(x[j] as number) ** 2;
    e.push(s / frame);
  }
  const peak = Math.max(...e);
  const within = (db: number) => {
    const on = e.map((v) => v > peak * 10 ** (-db / 10));
    return { start: Math.max(0, on.indexOf(true)) * frame, end: (on.lastIndexOf(true) + 1) * frame };
  };
  return { loud: within(30), all: within(40) };
}

export interface Rendered {
  samples: Float32Array;
  /** Where the speech's loud part starts and ends (samples; speechExtent), before noise; its soft edges lie around it. */
  speechStart: number;
  speechEnd: number;
}

export function render(spec: RenderSpec): Rendered {
  // Where the speech is: found in what was said (wideband), and the same stretch taken over a narrowband
  // link — whose band would lose a soft sound's power and, cut by its own loudness, the sound itself.
  const said = speech(spec.text, spec.voice, spec.speed, spec.pitch, 'wide');
  const { loud, all } = speechExtent(said);
  const clean = spec.band === 'narrow' ? speech(spec.text, spec.voice, spec.speed, spec.pitch, 'narrow') : said;
  const body = clean.subarray(all.start, Math.min(clean.length, all.end));
  const before = Math.round((spec.padBefore ?? 0.5) * SAMPLE_RATE);
  const after = Math.round((spec.padAfter ?? 0.6) * SAMPLE_RATE);
  const out = new Float32Array(before + body.length + after);
  out.set(body, before);
  if (spec.noise) {
    // The room is heard through the link as the speech is: over a narrowband one, the noise loses what
    // is outside its band too. The SNR is set on the wideband noise (what is in the band is the same).
    const wide = noiseBed(spec.noise.kind);
    const bed = spec.band === 'narrow' ? noiseBed(spec.noise.kind, 'narrow') : wide;
    const speechRms = rms(clean, loud.start, loud.end);
    const noiseRms = rms(wide);
    const gain = speechRms / (noiseRms * 10 ** (spec.noise.snrDb / 20));
    const offset = ((spec.noise.seed ?? 0) * 7919 * 160) % Math.max(1, bed.length - out.length);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + gain * (bed[(offset + i) % bed.length] as number);
  }
  return { samples: spec.mic === 'msbc' ? throughMsbc(out) : out, speechStart: before + loud.start - all.start, speechEnd: before + loud.end - all.start };
}

/** mSBC's frame: 120 samples (7.5 ms at 16 kHz). */
const MSBC_FRAME = 120;
let msbcCalls = 0;

/**
 * Through a Bluetooth headset's wideband microphone link and back: the mSBC codec (Hands-Free
 * Profile wideband speech, 16 kHz; BlueZ's encoder and decoder, `sbcenc`/`sbcdec` from Debian's
 * sbc-tools), applied to what the microphone heard — speech and room together, as on the link. The
 * codec's own delay (about 4.6 ms) stays in, as it would; the result is as long as the input.
 * Frames are not lost here: a real link drops some and the host conceals them.
 */
export function throughMsbc(x: Float32Array): Float32Array {
  mkdirSync(CACHE, { recursive: true });
  const base = join(CACHE, `msbc-${process.pid}-${msbcCalls++}`);
  // Sun .au in (sbcenc's input): 24-byte header, big-endian 16-bit linear PCM; one frame of silence more at the end.
  const frames = Math.ceil(x.length / MSBC_FRAME) + 1;
  const pcm = Buffer.alloc(frames * MSBC_FRAME * 2);
  for (let i = 0; i < x.length; i++) pcm.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round((x[i] as number) * 32767))), 2 * i);
  const header = Buffer.alloc(24);
  header.write('.snd', 0, 'ascii');
  header.writeUInt32BE(24, 4);
  header.writeUInt32BE(pcm.length, 8);
  header.writeUInt32BE(3, 12); // 16-bit linear PCM
  header.writeUInt32BE(SAMPLE_RATE, 16);
  header.writeUInt32BE(1, 20);
  writeFileSync(`${base}.au`, Buffer.concat([header, pcm]));
  try {
    let coded: Buffer;
    try {
      coded = execFileSync('sbcenc', ['--msbc', `${base}.au`], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the mSBC headset link needs BlueZ\'s codec tools: apt-get install sbc-tools', { cause: err });
      throw err;
    }
    writeFileSync(`${base}.msbc`, coded);
    execFileSync('sbcdec', ['--msbc', '-f', `${base}.out.au`, `${base}.msbc`], { stdio: 'ignore' });
    const b = readFileSync(`${base}.out.au`);
    if (b.toString('ascii', 0, 4) !== '.snd') throw new Error('sbcdec: not an .au file');
    const at = b.readUInt32BE(4);
    const n = Math.min(x.length, (b.length - at) >> 1);
    const out = new Float32Array(x.length);
    for (let i = 0; i < n; i++) out[i] = b.readInt16BE(at + 2 * i) / 32768;
    return out;
  } finally {
    for (const ext of ['.au', '.msbc', '.out.au']) rmSync(`${base}${ext}`, { force: true });
  }
}

/** Just noise (no speech), e.g. to count false accepts on noise alone. */
export function noiseOnly(kind: 'white' | 'pink' | 'brown' | 'babble', seconds: number, level: number, seed = 0): Float32Array {
  const bed = noiseBed(kind);
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = new Float32Array(n);
  const offset = (seed * 7919 * 160) % Math.max(1, bed.length - n);
  for (let i = 0; i < n; i++) out[i] = level * (bed[(offset + i) % bed.length] as number);
  return out;
}

/**
 * An enrolment as a user would make it, from espeak: three takes of each command at slightly
 * different speeds and pitches (clean, wideband; with `mic`, through that headset link), each cut
 * as the app cuts a take (VoiceController.recordTake, TakeCutter): the first stretch the VAD hears
 * (and any that begins within 300 ms of it), with its 100 ms before the speech and 50 ms after.
 */
export function espeakEnrolment(voice: string, commands: readonly VoiceCommand[] = COMMANDS, mic?: 'msbc'): Enrolment {
  const takes: Enrolment['takes'] = [];
  for (const command of commands)
    for (const [speed, pitch] of ENROL_TAKES) {
      const r = render({ text: command, voice, speed, pitch, ...(mic ? { mic } : {}) });
      const cutter = new TakeCutter();
      const take = cutter.push(r.samples) ?? cutter.push(new Float32Array(SAMPLE_RATE)) ?? cutter.finish();
      if (!take) throw new Error(`enrolment: the VAD heard no take of "${command}" in ${voice} at speed ${speed}, pitch ${pitch}`);
      takes.push({ command, pcm: encodePcm(take) });
    }
  return enrolmentSchema.parse({ version: 1, sampleRate: SAMPLE_RATE, takes });
}

export const ENROL_TAKES = [
  [160, 50],
  [175, 45],
  [190, 55],
] as const;
