/**
 * Noisy copies of enrolment takes, made on the device: the user says each word three
 * times once, in whatever room they are in, and the recognizer also keeps versions
 * with synthetic noise mixed in, so a command said later in a noisier place still
 * lands near one of its templates. The noise is generated here (white, and pink by
 * Paul Kellet's filter), never recorded, and never the test corpus's noise.
 */

/** A small deterministic PRNG (mulberry32), so enrolment is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function noise(kind: 'white' | 'pink', n: number, seed = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < n; i++) {
    const w = r() * 2 - 1;
    if (kind === 'white') {
      out[i] = w;
      continue;
    }
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * 0.11;
    b6 = w * 0.115926;
  }
  return out;
}

/** The take with noise mixed in at `snrDb` below the take's loudest 100 ms stretch average. */
export function withNoise(take: Float32Array, kind: 'white' | 'pink', snrDb: number, seed = 1): Float32Array {
  // Speech level: RMS over the loud frames (quiet lead-in and tail do not dilute it).
  const frame = 160;
  const levels: number[] = [];
  for (let i = 0; i + frame <= take.length; i += frame) {
    let s = 0;
    for (let j = i; j < i + frame; j++) s += (take[j] as number) ** 2;
    levels.push(s / frame);
  }
  const peak = Math.max(...levels, 1e-12);
  const loud = levels.filter((l) => l > peak * 0.01);
  const speech = Math.sqrt(loud.reduce((a, b) => a + b, 0) / Math.max(1, loud.length));
  const n = noise(kind, take.length, seed);
  let ns = 0;
  for (const x of n) ns += x * x;
  const gain = speech / (Math.sqrt(ns / n.length) * 10 ** (snrDb / 20));
  const out = new Float32Array(take.length);
  for (let i = 0; i < take.length; i++) out[i] = (take[i] as number) + gain * (n[i] as number);
  return out;
}
