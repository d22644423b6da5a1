/**
 * A streaming anomaly detector for one series. It sees each point once, in order,
 * never the future (no whole-series min/max, unlike what NAB hands its detectors),
 * keeps a fixed amount of state whatever the series length, and scores each point
 * in [0, 1].
 *
 * 1. Surprise: how far the value is from an exponentially weighted baseline, in
 *    baseline standard deviations, combined with a fast-vs-slow level shift.
 * 2. Likelihood (the idea behind Numenta's anomaly likelihood): the short-term
 *    mean of the surprise, compared with the surprise's own long-run distribution
 *    through a Gaussian tail. A burst of unusual surprise scores near 1; surprise as
 *    usual for this series scores low, however noisy the series is.
 * 3. After an alarm the output is damped for a while: one episode, one alarm.
 */

export interface DetectorOptions {
  /** Points before any score above 0.5 (the series is being learnt). */
  warmup: number;
  /** Baseline smoothing (EW weight of a new point). */
  slowAlpha: number;
  fastAlpha: number;
  /** Smoothing of the surprise's long-run distribution. */
  surpriseAlpha: number;
  /** Points in the short-term surprise mean. */
  shortWindow: number;
  /** Points to damp after an alarm. */
  refractory: number;
  /** What counts as an alarm for the refractory period. */
  alarmAt: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  warmup: 150,
  slowAlpha: 0.01,
  fastAlpha: 0.2,
  surpriseAlpha: 0.002,
  shortWindow: 5,
  refractory: 200,
  alarmAt: 0.97,
};

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export class StreamingDetector {
  private readonly o: DetectorOptions;
  private n = 0;
  private slowMean = 0;
  private slowVar = 0;
  private fastMean = 0;
  private surpriseMean = 0;
  private surpriseVar = 0;
  private readonly recent: Float64Array;
  private recentSum = 0;
  private quiet = 0;

  constructor(options: Partial<DetectorOptions> = {}) {
    this.o = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    this.recent = new Float64Array(this.o.shortWindow);
  }

  /** The range the detector currently expects (baseline ± 3 standard deviations). */
  expected(): { low: number; high: number } {
    const sd = Math.sqrt(this.slowVar);
    return { low: this.slowMean - 3 * sd, high: this.slowMean + 3 * sd };
  }

  /** Scores one point, then learns from it. */
  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    const o = this.o;
    if (this.n === 0) {
      this.slowMean = value;
      this.fastMean = value;
    }
    this.n++;
    // Scale floor: a flat series has no variance, and any change in it is news.
    const scale = Math.sqrt(this.slowVar) + 1e-9 + Math.abs(this.slowMean) * 1e-4;
    const deviation = Math.abs(value - this.slowMean) / scale;
    const shift = Math.abs(this.fastMean - this.slowMean) / scale;
    const surprise = Math.log1p(Math.max(deviation, 1.5 * shift));

    // Learn the value's baseline (after scoring: never with the point itself).
    const d = value - this.slowMean;
    this.slowMean += o.slowAlpha * d;
    this.slowVar = (1 - o.slowAlpha) * (this.slowVar + o.slowAlpha * d * d);
    this.fastMean += o.fastAlpha * (value - this.fastMean);

    // Short-term mean of the surprise against its long-run distribution.
    const slot = this.n % o.shortWindow;
    this.recentSum += surprise - (this.recent[slot] as number);
    this.recent[slot] = surprise;
    const shortMean = this.recentSum / Math.min(this.n, o.shortWindow);
    const sd = Math.sqrt(this.surpriseVar) + 1e-6;
    const likelihood = normalCdf((shortMean - this.surpriseMean) / sd);
    const s = surprise - this.surpriseMean;
    const a = this.n < 50 ? 1 / this.n : o.surpriseAlpha;
    this.surpriseMean += a * s;
    this.surpriseVar = (1 - a) * (this.surpriseVar + a * s * s);

    if (this.n <= o.warmup) return Math.min(likelihood, 0.5);
    if (this.quiet > 0) {
      this.quiet--;
      return likelihood * 0.5;
    }
    if (likelihood >= o.alarmAt) this.quiet = o.refractory;
    return likelihood;
  }
}
