/**
 * MFCC features for the command recognizer, platform-free (the renderer runs it on
 * the microphone; tests and the benchmark run it on WAV files under Node).
 *
 * 16 kHz mono; 25 ms frames every 10 ms; pre-emphasis, Hamming window, 512-point
 * FFT, 24 mel bands over 300–3,400 Hz (inside what a Bluetooth headset microphone
 * carries even in narrowband, 8 kHz, mode), log energies, DCT → 13 cepstra, the
 * first (overall loudness) dropped, then per-utterance cepstral mean removal so the
 * channel (AirPods, laptop, telephone band) largely cancels out; deltas appended.
 */

export const SAMPLE_RATE = 16_000;
export const FRAME = 400; // 25 ms
export const HOP = 160; // 10 ms
const NFFT = 512;
const MELS = 24;
const CEPS = 12; // c1..c12
const LOW_HZ = 300;
const HIGH_HZ = 3_400;
const NOISE_PERCENTILE = 0.1;
const OVERSUBTRACT = 2;
const SPECTRAL_FLOOR = 0.5;
/**
 * Everything more than this below the loudest band is floored. Chosen on the "tune" speakers of
 * `npm run bench:voice` (65 dB: 53 % single-try at ≤ 1 % false accepts; 35 dB: 51 % there, but far
 * better at looser false-accept rates).
 */
const DYNAMIC_RANGE_DB = 65;
/**
 * The speech's quiet edges — more than this below its loudest frame (in the features' band, after the
 * noise is taken off) — are trimmed before the comparison. At 25 dB (until session 18) the cut fell
 * where a soft first or last sound lives: the "s" of "snooze" lies 20–35 dB under its vowel in
 * 300–3,400 Hz, so it was kept in one take and cut from another said a little higher (a voice made
 * from a woman's recordings: her "snooze" refused 6 of 8 times in a quiet room). Chosen on the tune,
 * people-tune and accents-tune speakers (`npm run bench:voice-fit`, commands at the limit, model's
 * rule / takes' rule, each refitted): 25 dB 2,679 / 3,695, 35 dB 2,689 / 3,736, 45 dB 2,696 / 3,753,
 * 55 dB 2,696 / 3,740; again in session 19, on the corrected bench (rules refitted): 35 dB 2,675 /
 * 3,734, 45 dB 2,686 / 3,742. What it also keeps: a stretch of quiet 33–45 dB down around a word (a
 * breath, a room's noise at a word's edges) — compared as speech.
 */
const TRIM_DB = 45;

const hamming = Float64Array.from({ length: FRAME }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FRAME - 1)));

/** Bit-reversal table and twiddles for the 512-point FFT, computed once. */
const rev = new Uint16Array(NFFT);
for (let i = 0, bits = Math.log2(NFFT); i < NFFT; i++) {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
  rev[i] = r;
}
const cosT = Float64Array.from({ length: NFFT / 2 }, (_, i) => Math.cos((2 * Math.PI * i) / NFFT));
const sinT = Float64Array.from({ length: NFFT / 2 }, (_, i) => -Math.sin((2 * Math.PI * i) / NFFT));

/** In place: the FFT of `re` (imaginary part zero on entry; `im` is overwritten). */
function fft(re: Float64Array, im: Float64Array): void {
  for (let i = 0; i < NFFT; i++) {
    const j = rev[i] as number;
    if (j > i) {
      const t = re[i] as number;
      re[i] = re[j] as number;
      re[j] = t;
    }
  }
  im.fill(0);
  for (let size = 2; size <= NFFT; size <<= 1) {
    const half = size >> 1;
    const step = NFFT / size;
    for (let start = 0; start < NFFT; start += size) {
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const wr = cosT[k * step] as number;
        const wi = sinT[k * step] as number;
        const xr = (re[b] as number) * wr - (im[b] as number) * wi;
        const xi = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
      }
    }
  }
}

/** The frame of `samples` at `at`: pre-emphasis, Hamming window, zero-padded to NFFT (into `re`). */
function windowed(samples: Float32Array, at: number, re: Float64Array): void {
  re.fill(0);
  let prev = at > 0 ? (samples[at - 1] as number) : 0;
  for (let i = 0; i < FRAME; i++) {
    const x = samples[at + i] as number;
    re[i] = (x - 0.97 * prev) * (hamming[i] as number);
    prev = x;
  }
}

/** Mel-band powers of one frame's power spectrum. */
function melsOf(power: Float64Array): Float64Array {
  const e = new Float64Array(MELS);
  for (let m = 0; m < MELS; m++) {
    const { first, w } = filters[m] as { first: number; w: Float64Array };
    let sum = 0;
    for (let k = 0; k < w.length; k++) sum += (w[k] as number) * (power[first + k] as number);
    e[m] = sum;
  }
  return e;
}

const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOf = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Triangular mel filters as [firstBin, weights]. */
const filters: { first: number; w: Float64Array }[] = (() => {
  const lo = mel(LOW_HZ);
  const hi = mel(HIGH_HZ);
  const centres = Array.from({ length: MELS + 2 }, (_, i) => hzOf(lo + ((hi - lo) * i) / (MELS + 1)));
  const bin = (hz: number) => (hz * NFFT) / SAMPLE_RATE;
  return Array.from({ length: MELS }, (_, m) => {
    const [l, c, r] = [bin(centres[m] as number), bin(centres[m + 1] as number), bin(centres[m + 2] as number)];
    const first = Math.ceil(l);
    const last = Math.floor(r);
    const w = new Float64Array(Math.max(0, last - first + 1));
    for (let k = first; k <= last; k++) w[k - first] = k <= c ? (k - l) / (c - l) : (r - k) / (r - c);
    return { first, w };
  });
})();

const dct = Array.from({ length: CEPS }, (_, i) => Float64Array.from({ length: MELS }, (_, m) => Math.cos((Math.PI * (i + 1) * (m + 0.5)) / MELS)));

/** Features of one utterance: one row per 10 ms frame (CEPS cepstra + CEPS deltas). */
export type Features = Float32Array[];
export const DIMS = CEPS * 2;

export function mfcc(samples: Float32Array, noise?: Float64Array): Features {
  return mfccFromMels(melPowers(samples), noise);
}

/** Per band, a low percentile of the frames' powers: the noise, when nothing else says what it is. */
function lowPercentile(mels: readonly Float64Array[]): Float64Array {
  const noise = new Float64Array(MELS);
  const column = new Float64Array(mels.length);
  for (let m = 0; m < MELS; m++) {
    for (let f = 0; f < mels.length; f++) column[f] = (mels[f] as Float64Array)[m] as number;
    column.sort();
    noise[m] = column[Math.floor(NOISE_PERCENTILE * (mels.length - 1))] ?? 0;
  }
  return noise;
}

/** The mean power per mel band of a stretch of audio (the room's noise, for mfccFromMels). */
export function meanMelPower(samples: Float32Array): Float64Array {
  const mels = melPowers(samples);
  const mean = new Float64Array(MELS);
  for (const e of mels) for (let m = 0; m < MELS; m++) mean[m] = (mean[m] as number) + (e[m] as number) / mels.length;
  return mean;
}

/** Bins 0…NFFT/2 of a real signal's spectrum. */
const BINS = NFFT / 2 + 1;

const frameCount = (samples: Float32Array) => (samples.length < FRAME ? 0 : 1 + Math.floor((samples.length - FRAME) / HOP));

/** Mel-band power per 10 ms frame (before any noise handling). */
export function melPowers(samples: Float32Array): Float64Array[] {
  const re = new Float64Array(NFFT);
  const im = new Float64Array(NFFT);
  const power = new Float64Array(BINS);
  const mels: Float64Array[] = [];
  for (let f = 0, frames = frameCount(samples); f < frames; f++) {
    windowed(samples, f * HOP, re);
    fft(re, im);
    for (let k = 0; k < BINS; k++) power[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2;
    mels.push(melsOf(power));
  }
  return mels;
}

/** Each 10 ms frame's spectrum (bins 0…NFFT/2, real and imaginary parts), for mixing (melPowersOfMix). */
export interface Spectra {
  frames: number;
  re: Float32Array;
  im: Float32Array;
}

/** The spectrum of each frame melPowers would take (pre-emphasised, windowed), kept to add to another's. */
export function spectra(samples: Float32Array): Spectra {
  const frames = frameCount(samples);
  const out = { frames, re: new Float32Array(frames * BINS), im: new Float32Array(frames * BINS) };
  const re = new Float64Array(NFFT);
  const im = new Float64Array(NFFT);
  for (let f = 0; f < frames; f++) {
    windowed(samples, f * HOP, re);
    fft(re, im);
    out.re.set(re.subarray(0, BINS), f * BINS);
    out.im.set(im.subarray(0, BINS), f * BINS);
  }
  return out;
}

/**
 * The mel powers of `a + gain · b`, frame by frame, from their spectra (`b` at least as many frames
 * as `a`): what melPowers of the mixed samples gives (every step before the power is linear), without
 * an FFT per frame — the recognizer mixes the room's noise into every take on every decision in noise.
 */
export function melPowersOfMix(a: Spectra, b: Spectra, gain: number): Float64Array[] {
  if (b.frames < a.frames) throw new Error('melPowersOfMix: the second signal is shorter than the first');
  const power = new Float64Array(BINS);
  const mels: Float64Array[] = [];
  for (let f = 0; f < a.frames; f++) {
    powerOf(a, { b, gain }, f, 0, BINS - 1, power);
    mels.push(melsOf(power));
  }
  return mels;
}

/** Into `power`: bins `from`…`to` of frame `f`'s power spectrum, of `a` or of `a + mix.gain · mix.b`. */
function powerOf(a: Spectra, mix: { b: Spectra; gain: number } | undefined, f: number, from: number, to: number, power: Float64Array): void {
  const at = f * BINS;
  for (let k = from; k <= to; k++) {
    const re = mix ? (a.re[at + k] as number) + mix.gain * (mix.b.re[at + k] as number) : (a.re[at + k] as number);
    const im = mix ? (a.im[at + k] as number) + mix.gain * (mix.b.im[at + k] as number) : (a.im[at + k] as number);
    power[k] = re * re + im * im;
  }
}

/** FFT bins of the features' band and of the band above it where a hiss lies (bandPowers). */
const binOf = (hz: number) => Math.round((hz * NFFT) / SAMPLE_RATE);
const MID_BINS = [binOf(LOW_HZ), binOf(HIGH_HZ)] as const;
const HIGH_BINS = [binOf(4_000), binOf(7_500)] as const;

/**
 * Each frame's power in the features' band (300–3,400 Hz) and above it (4,000–7,500 Hz), where a
 * hiss — "s", "z", "sh" — has most of its power and the vowels little: the recognizer's features
 * do not look up there (a headset's narrowband link carries nothing of it), but where the link does,
 * it tells "cancel" from "candle". `mix`: of `a + mix.gain · mix.b`, as melPowersOfMix.
 */
export function bandPowers(a: Spectra, mix?: { b: Spectra; gain: number }): { mid: Float64Array; high: Float64Array } {
  if (mix && mix.b.frames < a.frames) throw new Error('bandPowers: the second signal is shorter than the first');
  const mid = new Float64Array(a.frames);
  const high = new Float64Array(a.frames);
  const power = new Float64Array(BINS);
  for (let f = 0; f < a.frames; f++) {
    powerOf(a, mix, f, MID_BINS[0], HIGH_BINS[1], power);
    for (let k = MID_BINS[0]; k <= MID_BINS[1]; k++) mid[f] = (mid[f] as number) + (power[k] as number);
    for (let k = HIGH_BINS[0]; k <= HIGH_BINS[1]; k++) high[f] = (high[f] as number) + (power[k] as number);
  }
  return { mid, high };
}
/**
 * Features from mel powers (the input is not changed, so a take's powers can be kept and reused).
 * `span`, if given, is set to the frames kept (from…to of the input: the speech, its quiet edges trimmed).
 * `noise`: the room's own noise, per mel band (the mean power of what the microphone heard just
 * before the speech; see meanMelPower), subtracted instead of the utterance's own low percentile —
 * which, in a short word, is partly the word itself. (Measured on voices the keyword model does not
 * know, in noise: commands told from near words with an AUC of 0.92 against 0.83.)
 */
export function mfccFromMels(input: readonly Float64Array[], noise?: Float64Array, span?: { from: number; to: number }): Features {
  const logMel = new Float64Array(MELS);
  const mels = input.map((e) => Float64Array.from(e));
  // Noise: the room's, when known; else per band a low percentile over the utterance (its lead-in,
  // tail and the gaps between sounds are noise only). Subtract it, keeping a floor, and floor everything
  // at a fixed distance below the loudest band, so a quiet room and a noisy one give
  // similar features where there is no speech. Then keep only where the speech is.
  const room = noise ?? lowPercentile(mels);
  let peak = 0;
  const energy = new Float64Array(mels.length);
  for (let f = 0; f < mels.length; f++) {
    const e = mels[f] as Float64Array;
    let total = 0;
    for (let m = 0; m < MELS; m++) {
      const clean = Math.max((e[m] as number) - OVERSUBTRACT * (room[m] as number), SPECTRAL_FLOOR * (room[m] as number));
      e[m] = clean;
      total += clean;
      if (clean > peak) peak = clean;
    }
    energy[f] = total;
  }
  const floor = peak * 10 ** (-DYNAMIC_RANGE_DB / 10) + 1e-10;
  let maxEnergy = 0;
  for (const x of energy) maxEnergy = Math.max(maxEnergy, x);
  let from = 0;
  let to = mels.length - 1;
  while (from < to && (energy[from] as number) < maxEnergy * 10 ** (-TRIM_DB / 10)) from++;
  while (to > from && (energy[to] as number) < maxEnergy * 10 ** (-TRIM_DB / 10)) to--;
  if (span) Object.assign(span, { from, to });
  const ceps: Float64Array[] = [];
  for (let f = from; f <= to && mels.length > 0; f++) {
    const e = mels[f] as Float64Array;
    for (let m = 0; m < MELS; m++) logMel[m] = Math.log((e[m] as number) + floor);
    const c = new Float64Array(CEPS);
    for (let i = 0; i < CEPS; i++) {
      const row = dct[i] as Float64Array;
      let s = 0;
      for (let m = 0; m < MELS; m++) s += (row[m] as number) * (logMel[m] as number);
      c[i] = s;
    }
    ceps.push(c);
  }
  // Cepstral mean removal: the channel is a constant offset in this domain.
  const mean = new Float64Array(CEPS);
  for (const c of ceps) for (let i = 0; i < CEPS; i++) mean[i] = (mean[i] as number) + (c[i] as number) / ceps.length;
  for (const c of ceps) for (let i = 0; i < CEPS; i++) c[i] = (c[i] as number) - (mean[i] as number);
  // Deltas over ±2 frames.
  const out: Features = [];
  for (let t = 0; t < ceps.length; t++) {
    const row = new Float32Array(DIMS);
    const c = ceps[t] as Float64Array;
    for (let i = 0; i < CEPS; i++) {
      row[i] = c[i] as number;
      let num = 0;
      for (let d = 1; d <= 2; d++) {
        const a = ceps[Math.min(ceps.length - 1, t + d)] as Float64Array;
        const b = ceps[Math.max(0, t - d)] as Float64Array;
        num += d * ((a[i] as number) - (b[i] as number));
      }
      row[CEPS + i] = num / 10;
    }
    out.push(row);
  }
  return out;
}
