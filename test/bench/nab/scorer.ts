/**
 * The Numenta Anomaly Benchmark scorer (NAB v1.1), as the corpus README states it:
 * probationary rows, scaled-sigmoid weights inside and after windows, each window
 * worth its earliest detection (or -fn), every false positive its (negative)
 * weight, one threshold for the whole corpus (the best, ties to the higher), and
 * the score normalised between the null and the perfect detector.
 */

export interface CostProfile {
  tp: number;
  fn: number;
  fp: number;
}

export const PROFILES: Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', CostProfile> = {
  standard: { tp: 1, fn: 1, fp: 0.11 },
  reward_low_FP_rate: { tp: 1, fn: 1, fp: 0.22 },
  reward_low_FN_rate: { tp: 1, fn: 2, fp: 0.11 },
};

export interface ScoredFile {
  /** Rows in the file. */
  n: number;
  /** Labelled windows as inclusive row ranges, in order. */
  windows: [number, number][];
  /** One anomaly score per row. */
  scores: ArrayLike<number>;
}

export function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}

export function probationaryRows(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

interface Row {
  score: number;
  /** Index of the window the row is in (corpus-wide), or -1. */
  window: number;
  weight: number;
}

/** Every scored row of the corpus with its weight under `profile`, and the window count. */
function weighRows(files: readonly ScoredFile[], profile: CostProfile): { rows: Row[]; windows: number } {
  const rows: Row[] = [];
  let windowBase = 0;
  const unit = scaledSigmoid(-1);
  for (const f of files) {
    const inWindow = new Int32Array(f.n).fill(-1);
    f.windows.forEach(([l, r], w) => {
      for (let i = Math.max(0, l); i <= r && i < f.n; i++) inWindow[i] = w;
    });
    let lastWindow = -1; // the most recent window that ended before the row
    for (let i = 0; i < f.n; i++) {
      const w = inWindow[i] as number;
      let weight: number;
      if (w >= 0) {
        const [l, r] = f.windows[w] as [number, number];
        weight = (scaledSigmoid(-(r - i + 1) / (r - l + 1)) * profile.tp) / unit;
        lastWindow = w;
      } else if (lastWindow < 0) {
        weight = -profile.fp;
      } else {
        const [l, r] = f.windows[lastWindow] as [number, number];
        weight = scaledSigmoid(Math.abs(r - i) / (r - l)) * profile.fp;
      }
      if (i < probationaryRows(f.n)) continue; // not scored
      rows.push({ score: Number(f.scores[i]), window: w >= 0 ? windowBase + w : -1, weight });
    }
    windowBase += f.windows.length;
  }
  return { rows, windows: windowBase };
}

export interface CorpusScore {
  threshold: number;
  raw: number;
  normalized: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

function normalize(raw: number, windows: number, p: CostProfile): number {
  const nullScore = -p.fn * windows;
  const perfect = p.tp * windows;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** The score at a fixed threshold (a detection is score >= threshold). */
export function scoreAt(files: readonly ScoredFile[], profile: CostProfile, threshold: number): CorpusScore {
  const { rows, windows } = weighRows(files, profile);
  const best = new Map<number, number>();
  let fpSum = 0;
  let fps = 0;
  for (const row of rows) {
    if (row.score < threshold) continue;
    if (row.window >= 0) best.set(row.window, Math.max(best.get(row.window) ?? -Infinity, row.weight));
    else {
      fpSum += row.weight;
      fps++;
    }
  }
  let raw = fpSum - profile.fn * (windows - best.size);
  for (const w of best.values()) raw += w;
  return { threshold, raw, normalized: normalize(raw, windows, profile), truePositives: best.size, falsePositives: fps, falseNegatives: windows - best.size };
}

/** The threshold that maximises the corpus score: a sweep over every distinct score, highest first. */
export function optimize(files: readonly ScoredFile[], profile: CostProfile): CorpusScore {
  const { rows, windows } = weighRows(files, profile);
  rows.sort((a, b) => b.score - a.score);
  const best = new Float64Array(windows).fill(-Infinity);
  let raw = -profile.fn * windows; // nothing detected
  let detected = 0;
  let fps = 0;
  let top: CorpusScore = { threshold: Infinity, raw, normalized: normalize(raw, windows, profile), truePositives: 0, falsePositives: 0, falseNegatives: windows };
  for (let i = 0; i < rows.length; ) {
    const threshold = (rows[i] as Row).score;
    // Everything at this score is detected together.
    for (; i < rows.length && (rows[i] as Row).score === threshold; i++) {
      const row = rows[i] as Row;
      if (row.window < 0) {
        raw += row.weight;
        fps++;
        continue;
      }
      const before = best[row.window] as number;
      if (row.weight > before) {
        raw += row.weight - (before === -Infinity ? -profile.fn : before);
        if (before === -Infinity) detected++;
        best[row.window] = row.weight;
      }
    }
    if (raw > top.raw) top = { threshold, raw, normalized: normalize(raw, windows, profile), truePositives: detected, falsePositives: fps, falseNegatives: windows - detected };
  }
  return top;
}
