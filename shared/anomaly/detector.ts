/**
 * A streaming anomaly detector for one series. It sees each point once, in order,
 * never the future (no whole-series min/max, unlike what NAB hands its detectors),
 * keeps a fixed amount of state whatever the series length, and scores each point
 * in [0, 1].
 *
 * 1. Prediction: three models of what the value should be — the recent level (an
 *    exponentially weighted mean and spread), and, when points carry a time, the
 *    level plus a learnt daily profile and a learnt weekly profile (the typical
 *    deviation from the level per time-of-day / time-of-week bucket). A seasonal
 *    model is trusted once it has seen a whole period and only while its recent
 *    error is clearly below the level model's (most machine metrics have a daily
 *    rhythm; a CPU peak at 9:00 every morning is not news).
 * 2. Surprise: the error of the trusted model in units of its usual error.
 * 3. Likelihood (the idea behind Numenta's anomaly likelihood): the short-term
 *    mean of the surprise against the surprise's own long-run distribution, through
 *    a Gaussian tail. A burst of unusual surprise scores near 1; surprise as usual
 *    for this series scores low, however noisy the series is.
 * 4. New range (the "spatial anomaly" of Numenta's NAB runner, computed online):
 *    a value beyond everything seen so far, by a margin, scores 0.9999.
 * 5. New shape: the last few values, each placed in one of a few bands of the range
 *    seen so far, form a pattern; so do the last few moves (down, flat or up by a
 *    usual deviation). A pattern never seen before, while the likelihood is already
 *    high, scores as an alarm (the sequence idea behind HTM and ARTime, in tables of
 *    a few hundred counts: a series moving through its usual values in an unusual
 *    order, or in an unusual rhythm, which a point prediction forgives).
 * 5b. A sustained shift: a two-sided CUSUM of the signed error (in usual errors, each
 *    point's contribution capped) less a slack of one usual error; when either sum passes
 *    its limit, the series has sat on one side of its prediction for a long while (the
 *    level moved to a new place inside the usual range, which neither a single surprise
 *    nor a new range shows), and it scores as an alarm.
 * 6. After an alarm the output is damped while the episode lasts: one episode, one
 *    alarm. The episode is over when the short-term surprise has been below its
 *    usual level for a few points in a row (the series is calm again), or after
 *    `refractory` points at most; so a second anomaly soon after a first one that
 *    has passed (two dips a few dozen points apart) is its own alarm.
 */

/** Why a point scored as it did: far from the prediction for a while, beyond the range seen so far, usual values in a new order or rhythm, or a sustained shift to one side. */
export type AnomalyReason = 'surprise' | 'range' | 'shape' | 'shift';

export interface DetectorOptions {
  /** Points before any score above 0.5 (the series is being learnt). */
  warmup: number;
  /** Level model: EW weight of a new point. */
  alpha: number;
  /** The slow level the seasonal profiles are relative to. */
  levelAlpha: number;
  /** EW weight of a new point in its seasonal bucket. */
  bucketAlpha: number;
  /** Buckets per day in the daily profile, and per day in the weekly profile (0: no such profile). */
  dailyBuckets: number;
  weeklyBucketsPerDay: number;
  /** EW weight for the models' running mean absolute errors. */
  errorAlpha: number;
  /** A seasonal model is used while its error is below this fraction of the level model's. */
  preferSeasonal: number;
  /** New-range margin, as a fraction of the range seen so far. */
  rangeMargin: number;
  /** Points seen before a new range counts (the range of a young series is still being found). */
  rangeWarmup: number;
  /** A new range counts only this many usual errors away from the prediction (a drift sets new highs all the time, and is predicted). */
  rangeMinSurprise: number;
  /** Smoothing of the surprise's long-run distribution. */
  surpriseAlpha: number;
  /** Points in the short-term surprise mean. */
  shortWindow: number;
  /** Points to damp after an alarm, at most. */
  refractory: number;
  /** The episode ends earlier once the likelihood has stayed below `calmBelow` for `calmPoints` points in a row (0: never earlier). */
  calmBelow: number;
  calmPoints: number;
  /** What counts as an alarm for the refractory period (and the pre-declared threshold). */
  alarmAt: number;
  /** Values per shape (0: no shape channel), and bands the range is cut into for them. */
  shapeLength: number;
  shapeBands: number;
  /** Points seen before a new shape or move counts, and the likelihood it needs to count (alone, new patterns are common). */
  shapeWarmup: number;
  shapeGate: number;
  /** What a new shape scores. */
  shapeScore: number;
  /**
   * Sustained shift: the CUSUM's slack and limit, in usual errors (limit 0: no shift channel); each
   * point adds at most `shiftCap`. Counted from the `shapeWarmup`-th point, and it scores `shapeScore`.
   */
  shiftSlack: number;
  shiftLimit: number;
  shiftCap: number;
  /** Moves per movement pattern (0: none), and how far (in usual deviations) a move must go to count as up or down. */
  moveLength: number;
  moveStep: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  warmup: 150,
  alpha: 0.01,
  levelAlpha: 0.002,
  bucketAlpha: 0.2,
  dailyBuckets: 96,
  weeklyBucketsPerDay: 48,
  errorAlpha: 0.01,
  preferSeasonal: 0.7,
  rangeMargin: 0.02,
  rangeWarmup: 300,
  rangeMinSurprise: 2,
  surpriseAlpha: 0.004,
  shortWindow: 12,
  refractory: 200,
  calmBelow: 0.5,
  calmPoints: 5,
  alarmAt: 0.97,
  shapeLength: 3,
  shapeBands: 5,
  shapeWarmup: 750,
  shapeGate: 0.9,
  shapeScore: 0.98,
  moveLength: 4,
  moveStep: 1,
  shiftSlack: 1,
  shiftLimit: 60,
  shiftCap: 4,
};

const DAY_MS = 86_400_000;
/** A seasonal model's error is measured as mean absolute error; × this approximates a standard deviation. */
const MAE_TO_SD = 1.25;
/** Points a seasonal model's error is measured over before it is trusted. */
const MIN_ERROR_POINTS = 50;

/** A learnt periodic profile: per bucket, the typical deviation from the slow level. */
class Season {
  readonly deviation: Float64Array;
  readonly count: Uint32Array;
  /** Running mean absolute error of this model, and of the level model over the same points (EW, from 0). */
  private errorSum = 0;
  private levelErrorSum = 0;
  /** How much of the EW average's weight real points carry so far (to correct the start-up bias towards 0). */
  private weight = 0;
  private updates = 0;
  /** The bucket of the point being scored (-1: the point has no time). */
  bucket = -1;

  /** Bias-corrected mean absolute errors: this model's and the level model's. */
  get error(): number {
    return this.errorSum / this.weight;
  }

  get levelError(): number {
    return this.levelErrorSum / this.weight;
  }

  /** Trusted once its error has been measured over enough points to mean something. */
  get warm(): boolean {
    return this.updates >= MIN_ERROR_POINTS;
  }

  learnError(error: number, levelError: number, alpha: number): void {
    this.errorSum += alpha * (error - this.errorSum);
    this.levelErrorSum += alpha * (levelError - this.levelErrorSum);
    this.weight += alpha * (1 - this.weight);
    this.updates++;
  }

  constructor(
    readonly periodMs: number,
    buckets: number,
  ) {
    this.deviation = new Float64Array(buckets);
    this.count = new Uint32Array(buckets);
  }

  bucketOf(timeMs: number): number {
    const phase = (((timeMs % this.periodMs) + this.periodMs) % this.periodMs) / this.periodMs;
    return Math.min(this.deviation.length - 1, Math.floor(phase * this.deviation.length));
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export class StreamingDetector {
  private readonly o: DetectorOptions;
  private n = 0;
  private mean = 0;
  private variance = 0;
  private level = 0;
  private min = Infinity;
  private max = -Infinity;
  private firstTime = NaN;
  private readonly seasons: Season[] = [];
  private surpriseMean = 0;
  private surpriseVar = 0;
  private readonly recent: Float64Array;
  private recentSum = 0;
  private quiet = 0;
  /** Points in a row the damped episode has been calm. */
  private calm = 0;
  /** The shift channel's upper and lower cumulative sums. */
  private above = 0;
  private below = 0;
  /** Times each shape was seen (shapeBands ** shapeLength counts), and the current shape's code. */
  private readonly shapes: Uint32Array;
  private shape = 0;
  private shapeFill = 0;
  /** The same for moves: 3 ** moveLength counts. */
  private readonly moves: Uint32Array;
  private move = 0;
  private moveFill = 0;
  private previous = NaN;
  /** What raised the last point's score (for people reading an alarm: the value is not always outside `expected`). */
  reason: AnomalyReason = 'surprise';
  /** The prediction and error scale used for the last point (for `expected`). */
  private lastCentre = 0;
  private lastSpread = 0;

  constructor(options: Partial<DetectorOptions> = {}) {
    this.o = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    if (this.o.dailyBuckets > 0) this.seasons.push(new Season(DAY_MS, this.o.dailyBuckets));
    if (this.o.weeklyBucketsPerDay > 0) this.seasons.push(new Season(7 * DAY_MS, 7 * this.o.weeklyBucketsPerDay));
    this.recent = new Float64Array(this.o.shortWindow);
    this.shapes = new Uint32Array(this.o.shapeLength > 0 ? this.o.shapeBands ** this.o.shapeLength : 0);
    this.moves = new Uint32Array(this.o.moveLength > 0 ? 3 ** this.o.moveLength : 0);
  }

  /** The range the detector expected for the last point (prediction ± 3 of its usual errors). */
  expected(): { low: number; high: number } {
    return { low: this.lastCentre - 3 * this.lastSpread, high: this.lastCentre + 3 * this.lastSpread };
  }

  /** Scores one point (with its time in ms, when known: it enables the daily and weekly profiles), then learns from it. */
  update(value: number, timeMs = NaN): number {
    if (!Number.isFinite(value)) return 0;
    const o = this.o;
    if (this.n === 0) {
      this.mean = value;
      this.level = value;
    }
    this.n++;

    // 1–2. Predict with the level model, or the better seasonal one; surprise in units of its usual error.
    // Scale floor: a flat series has no variance, and any change in it is news.
    const floor = 1e-9 + Math.abs(this.mean) * 1e-4;
    const levelError = value - this.mean;
    let spread = Math.sqrt(this.variance) + floor;
    let centre = this.mean;
    let bestError = Infinity;
    const timed = Number.isFinite(timeMs);
    // A seasonal model needs a whole period from the first point that had a time.
    if (timed && Number.isNaN(this.firstTime)) this.firstTime = timeMs;
    for (const season of this.seasons) {
      season.bucket = timed ? season.bucketOf(timeMs) : -1;
      if (season.bucket < 0 || (season.count[season.bucket] as number) === 0 || timeMs - this.firstTime < season.periodMs) continue;
      const prediction = this.level + (season.deviation[season.bucket] as number);
      if (season.warm && season.error < o.preferSeasonal * season.levelError && season.error < bestError) {
        bestError = season.error;
        centre = prediction;
        spread = season.error * MAE_TO_SD + floor;
      }
      season.learnError(Math.abs(value - prediction), Math.abs(levelError), o.errorAlpha);
    }
    this.lastCentre = centre;
    this.lastSpread = spread;
    const signed = (value - centre) / spread;
    const z = Math.abs(signed);
    const surprise = Math.log1p(z);

    // Learn (after scoring: never with the point itself).
    // Warm start: a plain running mean until 1/alpha points, then exponentially weighted.
    const meanAlpha = Math.max(o.alpha, 1 / this.n);
    this.mean += meanAlpha * levelError;
    this.variance = (1 - meanAlpha) * (this.variance + meanAlpha * levelError * levelError);
    this.level += o.levelAlpha * (value - this.level);
    for (const season of this.seasons) {
      const b = season.bucket;
      if (b < 0) continue;
      const d = value - this.level;
      season.deviation[b] = season.count[b] === 0 ? d : (season.deviation[b] as number) + o.bucketAlpha * (d - (season.deviation[b] as number));
      if ((season.count[b] as number) < 0xffffffff) season.count[b] = (season.count[b] as number) + 1;
    }

    // 4. A new range.
    let newRange = false;
    if (this.n > Math.max(o.warmup, o.rangeWarmup) && z >= o.rangeMinSurprise) {
      const margin = o.rangeMargin * (this.max - this.min);
      newRange = value > this.max + margin || value < this.min - margin;
    }
    // 5. The shape of the last few values, in bands of the range seen so far (before this point widens it).
    let newShape = false;
    if (o.shapeLength > 0 && this.max > this.min) {
      const band = Math.max(0, Math.min(o.shapeBands - 1, Math.floor(((value - this.min) / (this.max - this.min)) * o.shapeBands)));
      this.shape = (this.shape * o.shapeBands + band) % this.shapes.length;
      if (this.shapeFill < o.shapeLength) this.shapeFill++;
      if (this.shapeFill === o.shapeLength) {
        newShape = this.n > o.shapeWarmup && this.shapes[this.shape] === 0;
        if ((this.shapes[this.shape] as number) < 0xffffffff) this.shapes[this.shape] = (this.shapes[this.shape] as number) + 1;
      }
    }
    if (o.moveLength > 0 && Number.isFinite(this.previous)) {
      const step = o.moveStep * Math.sqrt(this.variance);
      const delta = value - this.previous;
      this.move = (this.move * 3 + (delta > step ? 2 : delta < -step ? 0 : 1)) % this.moves.length;
      if (this.moveFill < o.moveLength) this.moveFill++;
      if (this.moveFill === o.moveLength) {
        newShape ||= this.n > o.shapeWarmup && this.moves[this.move] === 0;
        if ((this.moves[this.move] as number) < 0xffffffff) this.moves[this.move] = (this.moves[this.move] as number) + 1;
      }
    }
    this.previous = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;

    // 3. Short-term mean of the surprise against its long-run distribution.
    const slot = this.n % o.shortWindow;
    this.recentSum += surprise - (this.recent[slot] as number);
    this.recent[slot] = surprise;
    const shortMean = this.recentSum / Math.min(this.n, o.shortWindow);
    const sd = Math.sqrt(this.surpriseVar) + 1e-6;
    let score = normalCdf((shortMean - this.surpriseMean) / sd);
    const s = surprise - this.surpriseMean;
    const a = Math.max(o.surpriseAlpha, 1 / this.n);
    this.surpriseMean += a * s;
    this.surpriseVar = (1 - a) * (this.surpriseVar + a * s * s);
    // 5b. A sustained shift to one side of the prediction.
    let shifted = false;
    if (o.shiftLimit > 0) {
      const step = Math.max(-o.shiftCap, Math.min(o.shiftCap, signed));
      this.above = Math.max(0, this.above + step - o.shiftSlack);
      this.below = Math.max(0, this.below - step - o.shiftSlack);
      if (this.above > o.shiftLimit || this.below > o.shiftLimit) {
        shifted = this.n > o.shapeWarmup;
        this.above = 0;
        this.below = 0;
      }
    }

    this.reason = 'surprise';
    if (shifted && score < o.shapeScore) {
      score = o.shapeScore;
      this.reason = 'shift';
    }
    if (newShape && score >= o.shapeGate && score < o.shapeScore) {
      score = o.shapeScore;
      this.reason = 'shape';
    }
    if (newRange && score < 0.9999) {
      score = 0.9999;
      this.reason = 'range';
    }

    // 6. One episode, one alarm.
    if (this.n <= o.warmup) return Math.min(score, 0.5);
    if (this.quiet > 0) {
      this.quiet--;
      this.calm = score < o.calmBelow ? this.calm + 1 : 0;
      if (o.calmPoints > 0 && this.calm >= o.calmPoints) this.quiet = 0;
      return score * 0.5;
    }
    if (score >= o.alarmAt) {
      this.quiet = o.refractory;
      this.calm = 0;
    }
    return score;
  }
}
