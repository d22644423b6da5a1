/**
 * How sure a measured share is: the decision rules are fitted to a false-accept limit on a
 * few thousand clips, and the share those clips show is only an estimate of the share on
 * other speakers. `upperShare` is the one-sided upper confidence bound of k out of n (Wilson's
 * score interval): at 95 %, what the share may really be, at worst. The fitter holds that bound,
 * not the measured share, within the limit.
 */

/** The standard normal CDF (erf by Abramowitz and Stegun 7.1.26, error under 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const quantiles = new Map<number, number>();

/** The one-sided normal quantile for a confidence level in [0.5, 1): 0.95 → 1.645 (worked out once per level). */
export function oneSidedZ(confidence: number): number {
  if (!(confidence >= 0.5 && confidence < 1)) throw new RangeError(`confidence: from 0.5 to below 1, not ${confidence}`);
  const known = quantiles.get(confidence);
  if (known !== undefined) return known;
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < confidence) lo = mid;
    else hi = mid;
  }
  quantiles.set(confidence, (lo + hi) / 2);
  return (lo + hi) / 2;
}

/** Wilson upper bound of the share `k` of `n` at `confidence` (0.5: the share itself). */
export function upperShare(k: number, n: number, confidence = 0.95): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new RangeError(`upperShare: 0 ≤ k ≤ n, integers; not ${k} of ${n}`);
  if (n === 0) return 1;
  const z = oneSidedZ(confidence);
  const p = k / n;
  return (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
}
