/**
 * Streaming voice-activity detection by energy (above 100 Hz) against an adaptive noise floor:
 * feed it audio as it arrives (any chunk size, 16 kHz mono), get back each stretch
 * of speech once it has ended. Cheap (a biquad and a sum of squares per sample), so it
 * runs on every microphone buffer while listening.
 *
 * Speech starts when a 10 ms frame is `startDb` above the floor for 3 frames running
 * (a click is not speech); it ends after `hangoverMs` below `floor + endDb` (the
 * short gaps inside a word — the stop in "ack-nowledge" — do not end it). The floor
 * falls quickly and rises slowly, so it follows steady noise but not speech. Among
 * other voices the end is also judged against the room's average level and against the
 * word's own loudest moment, so a word ends when it ends rather than when the voices
 * around it pause.
 */
import { HOP, SAMPLE_RATE } from './features';

export interface VadOptions {
  startDb: number;
  endDb: number;
  hangoverMs: number;
  prerollMs: number;
  /** Longer than this is not a command (a sentence, music): dropped, and said so. */
  maxSpeechMs: number;
  /** Never treat anything quieter than this as speech, however quiet the room (dBFS). */
  minSpeechDb: number;
  /** The first this-many ms of a window only measure the room (the listening cue plays then). */
  warmupMs: number;
  /**
   * Speech ends below the floor + endDb, the floor being the room at its quietest; in a
   * room of other voices its level swings well above that, and a word would run on into
   * them until they pause. So the end is also judged against the room's average level
   * less this much (steady noise: its average is about its floor, nothing changes).
   */
  averageSlackDb: number;
  /**
   * Speech also ends after the hangover more than this far below the loudest moment of the
   * stretch so far (0: off). A word said 15 dB over a room of voices is followed by those
   * voices, which flicker above the room's average and would keep the word "going" for up
   * to a second; they stay well below the word's own peak. (Inside a word, the quieter
   * sounds between its loudest never last a whole hangover.)
   */
  peakDropDb: number;
  /**
   * Levels are measured above this frequency (a second-order Butterworth high-pass; 0: the whole
   * band). Under 100 Hz a room has rumble — a fan, traffic, a desk knocked, mains hum — and a voice
   * little of its power (a man's voice is pitched from about 85 Hz; its power lies in the harmonics
   * above). Measured over the whole band, rumble began "words" (brown noise: 42 stretches in 24 s, now
   * none) or kept a word going — and only where the link carries it: the bench's Finnish and Hindi
   * voices have their studio's hum (under 100 Hz) around each word, which a wideband take kept and the
   * same word over an 8 kHz link did not. At 300 Hz (where the recognizer's band starts; measured and
   * not kept) the VAD also lost voices' low harmonics and, in white noise, their soft parts: on the fit
   * speakers, both rules refitted, 2,626 / 3,549 commands at the limit against 100 Hz's 2,691 / 3,752.
   */
  highPassHz: number;
}

export const VAD_DEFAULTS: VadOptions = { startDb: 8, endDb: 6, hangoverMs: 180, prerollMs: 100, maxSpeechMs: 2_500, minSpeechDb: -50, warmupMs: 150, averageSlackDb: 2, peakDropDb: 15, highPassHz: 100 };

/** What a segment keeps after the speech's end: 50 ms of tail, not the rest of the hangover. */
export const SEGMENT_TAIL = Math.round(0.05 * SAMPLE_RATE);

export interface SpeechSegment {
  samples: Float32Array;
  /** Sample index (in everything fed so far) of `samples[0]` (the preroll before the speech). */
  from: number;
  /** Sample index (in everything fed so far) where the speech started and where it ended. */
  start: number;
  end: number;
  /** Sample index at which the end was detected (end + hangover): the decision can only come after this. */
  detectedAt: number;
  /** Cut off at maxSpeechMs: not a command. */
  tooLong: boolean;
}

/** A second-order Butterworth high-pass (RBJ's biquad), sample by sample. */
export class HighPass {
  private readonly b0: number;
  private readonly b1: number;
  private readonly a1: number;
  private readonly a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(hz: number, rate = SAMPLE_RATE) {
    const w = (2 * Math.PI * hz) / rate;
    const alpha = Math.sin(w) / Math.SQRT2;
    const cos = Math.cos(w);
    const a0 = 1 + alpha;
    this.b0 = (1 + cos) / 2 / a0; // b2 is the same
    this.b1 = -(1 + cos) / a0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  next(x: number): number {
    const y = this.b0 * (x + this.x2) + this.b1 * this.x1 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export class Vad {
  private readonly o: VadOptions;
  private floor = -70;
  /** The room's average level (dB) outside speech, over about the last 200 ms. */
  private average = -70;
  private frame = new Float32Array(HOP);
  private fill = 0;
  private fed = 0;
  /** Recent audio (preroll plus the current segment). */
  private buf: Float32Array;
  private bufLen = 0;
  private above = 0;
  private below = 0;
  private inSpeech = false;
  private speechStart = 0;
  private lastSpeech = 0;
  private warm: number[] = [];
  /** Frame levels of the current segment (to learn from a "segment" that was really just loud noise). */
  private levels: number[] = [];
  /** The loudest 30 ms of the current stretch (dB), and for how many frames since it has been peakDropDb below it. */
  private peak = -Infinity;
  private belowPeak = 0;

  private readonly hp: HighPass | null;

  constructor(options: Partial<VadOptions> = {}) {
    this.o = { ...VAD_DEFAULTS, ...options };
    this.hp = this.o.highPassHz > 0 ? new HighPass(this.o.highPassHz) : null;
    this.buf = new Float32Array(Math.ceil(((this.o.maxSpeechMs + this.o.prerollMs + this.o.hangoverMs + 100) * SAMPLE_RATE) / 1000));
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Where the stretch of speech now going on started (sample index in everything fed), or null. */
  get speakingSince(): number | null {
    return this.inSpeech ? Math.max(0, this.speechStart) : null;
  }

  /** Forget everything (a new listening window). */
  reset(): void {
    this.warm = [];
    this.floor = -70;
    this.average = -70;
    this.fill = 0;
    this.bufLen = 0;
    this.above = 0;
    this.below = 0;
    this.inSpeech = false;
  }

  push(chunk: Float32Array): SpeechSegment[] {
    const out: SpeechSegment[] = [];
    for (let i = 0; i < chunk.length; i++) {
      this.frame[this.fill++] = chunk[i] as number;
      if (this.fill === HOP) {
        this.fill = 0;
        const seg = this.onFrame();
        if (seg) out.push(seg);
      }
    }
    return out;
  }

  private onFrame(): SpeechSegment | null {
    const o = this.o;
    let sum = 0;
    if (this.hp) for (let i = 0; i < HOP; i++) sum += this.hp.next(this.frame[i] as number) ** 2;
    else for (let i = 0; i < HOP; i++) sum += (this.frame[i] as number) ** 2;
    const db = 10 * Math.log10(sum / HOP + 1e-12);
    const frameStart = this.fed;
    this.fed += HOP;
    this.append(this.frame);

    const warmupFrames = Math.round((o.warmupMs * SAMPLE_RATE) / 1000 / HOP);
    if (this.warm.length < warmupFrames) {
      // Measure the room first: the floor starts at its median level.
      this.warm.push(db);
      const sorted = [...this.warm].sort((a, b) => a - b);
      this.floor = Math.max(sorted[Math.floor(sorted.length / 2)] as number, -90);
      this.average = this.floor;
      return null;
    }
    if (!this.inSpeech) {
      // Track the floor only outside speech: fast down, slow up (2 dB/s).
      this.floor = db < this.floor ? 0.8 * this.floor + 0.2 * db : this.floor + 0.02;
      this.floor = Math.max(this.floor, -90);
      this.average = 0.95 * this.average + 0.05 * db;
      const threshold = Math.max(this.floor + o.startDb, o.minSpeechDb);
      this.above = db > threshold ? this.above + 1 : 0;
      if (this.above >= 3) {
        this.inSpeech = true;
        this.levels = [];
        this.below = 0;
        this.peak = -Infinity;
        this.belowPeak = 0;
        this.speechStart = frameStart - 2 * HOP;
        this.lastSpeech = this.fed;
        // Keep the preroll and this onset; drop older audio.
        const keep = Math.min(this.bufLen, Math.round((o.prerollMs * SAMPLE_RATE) / 1000) + 3 * HOP);
        this.buf.copyWithin(0, this.bufLen - keep, this.bufLen);
        this.bufLen = keep;
      } else {
        // Outside speech only the preroll is needed.
        const keep = Math.round((o.prerollMs * SAMPLE_RATE) / 1000) + 3 * HOP;
        if (this.bufLen > keep * 4) {
          this.buf.copyWithin(0, this.bufLen - keep, this.bufLen);
          this.bufLen = keep;
        }
      }
      return null;
    }

    this.levels.push(db);
    // The end is judged on a 30 ms average: noise flickering a few dB over the line must not keep a word "going".
    const n = this.levels.length;
    const smooth = 10 * Math.log10(this.levels.slice(Math.max(0, n - 3)).reduce((a, l) => a + 10 ** (l / 10), 0) / Math.min(3, n));
    const endThreshold = Math.max(Math.max(this.floor, this.average - o.averageSlackDb) + o.endDb, o.minSpeechDb - 5);
    if (smooth > endThreshold) {
      this.below = 0;
      this.lastSpeech = this.fed;
    } else this.below++;
    this.peak = Math.max(this.peak, smooth);
    if (o.peakDropDb > 0 && smooth < this.peak - o.peakDropDb) this.belowPeak++;
    else this.belowPeak = 0;
    const tooLong = this.fed - this.speechStart > (o.maxSpeechMs * SAMPLE_RATE) / 1000;
    const hang = (o.hangoverMs * SAMPLE_RATE) / 1000;
    if (this.below * HOP < hang && this.belowPeak * HOP < hang && !tooLong) return null;

    this.inSpeech = false;
    this.above = 0;
    if (tooLong) {
      // Seconds of "speech" is more likely a louder room: learn its level (the quieter half).
      const sorted = [...this.levels].sort((a, b) => a - b);
      this.floor = Math.max(this.floor, sorted[Math.floor(sorted.length / 4)] ?? this.floor);
    }
    // The segment: preroll + speech + its tail, without the rest of the hangover.
    const cut = Math.min(this.bufLen, this.bufLen - (this.fed - this.lastSpeech) + SEGMENT_TAIL);
    const samples = this.buf.slice(0, Math.max(0, cut));
    const from = this.fed - this.bufLen;
    this.bufLen = 0;
    return { samples, from, start: Math.max(0, this.speechStart), end: this.lastSpeech, detectedAt: this.fed, tooLong };
  }

  private append(frame: Float32Array): void {
    if (this.bufLen + frame.length > this.buf.length) {
      const drop = this.bufLen + frame.length - this.buf.length;
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
    }
    this.buf.set(frame, this.bufLen);
    this.bufLen += frame.length;
  }
}

/** YIN's threshold: a frame whose normalised difference dips below this at a pitch period is voiced. */
const VOICED_BELOW = 0.25;

/**
 * How much of a stretch is voiced — what a spoken word has and a fan, traffic or rumble does not:
 * 10 ms frames whose sound repeats at a voice's pitch period (2.5–16 ms: 60–400 Hz), by YIN's
 * cumulative-mean-normalised difference (de Cheveigné and Kawahara, 2002) below 0.25, on the signal
 * low-passed to about 1 kHz and halved to 8 kHz (voicing lives low; white noise's highs go). Counting
 * stops at `enough` (speech gets there in its first syllable, so this costs little where it matters).
 * Whispered words are unvoiced, and would not count.
 */
export function voicedFrames(samples: Float32Array, enough = Infinity): number {
  const a = Math.exp((-2 * Math.PI * 1000) / SAMPLE_RATE);
  const y = new Float32Array(samples.length >> 1);
  let p1 = 0;
  let p2 = 0;
  for (let i = 0; i < samples.length; i++) {
    p1 = (1 - a) * (samples[i] as number) + a * p1;
    p2 = (1 - a) * p1 + a * p2;
    if ((i & 1) === 0 && i >> 1 < y.length) y[i >> 1] = p2;
  }
  const rate = SAMPLE_RATE / 2;
  const window = Math.round(rate * 0.025);
  const minLag = Math.round(rate / 400);
  const maxLag = Math.round(rate / 60);
  const hop = Math.round(rate * 0.01);
  let voiced = 0;
  for (let at = 0; at + window + maxLag <= y.length && voiced < enough; at += hop) {
    let energy = 0;
    for (let i = 0; i < window; i++) energy += (y[at + i] as number) ** 2;
    if (energy < 1e-9) continue;
    let running = 0;
    let best = 1;
    for (let lag = 1; lag <= maxLag; lag++) {
      let d = 0;
      for (let i = 0; i < window; i++) {
        const v = (y[at + i] as number) - (y[at + i + lag] as number);
        d += v * v;
      }
      running += d;
      const normalised = running > 0 ? (d * lag) / running : 1;
      if (lag >= minLag && normalised < best) best = normalised;
    }
    if (best < VOICED_BELOW) voiced++;
  }
  return voiced;
}
