import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { optimize, PROFILES, scaledSigmoid, scoreAt, type ScoredFile } from '../bench/nab/scorer';

// NAB's published Numenta HTM outputs on the 42-file subset (MIT; test/fixtures/nab/LICENSE.txt).
const reference = Object.values(JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/nab/numenta-reference.json.gz', import.meta.url))).toString('utf8')) as Record<string, ScoredFile>);

describe('NAB scorer', () => {
  it('reproduces the published Numenta HTM scores on this subset (69.88 / 63.65 / 74.13)', () => {
    const standard = optimize(reference, PROFILES.standard);
    expect(standard.normalized.toFixed(2)).toBe('69.88');
    expect(standard.threshold).toBeCloseTo(0.554199560222, 9);
    expect(standard.raw.toFixed(4)).toBe('27.4403');
    expect(optimize(reference, PROFILES.reward_low_FP_rate).normalized.toFixed(2)).toBe('63.65');
    expect(optimize(reference, PROFILES.reward_low_FN_rate).normalized.toFixed(2)).toBe('74.13');
  });

  const file = (n: number, windows: [number, number][], score: (i: number) => number): ScoredFile => ({ n, windows, scores: Array.from({ length: n }, (_, i) => score(i)) });
  const inWindow = (i: number, windows: [number, number][]) => windows.some(([l, r]) => i >= l && i <= r);

  it('scores a perfect detector 100 and the null detector 0', () => {
    const windows: [number, number][] = [[300, 339], [700, 739]];
    const perfect = file(1000, windows, (i) => (inWindow(i, windows) ? 1 : 0));
    expect(optimize([perfect], PROFILES.standard).normalized).toBeCloseTo(100, 6);
    const nothing = file(1000, windows, () => 0.5);
    expect(scoreAt([nothing], PROFILES.standard, 0.6).normalized).toBe(0);
    expect(optimize([nothing], PROFILES.standard).normalized).toBeCloseTo(0, 6);
  });

  it('rewards an early detection over a late one', () => {
    const windows: [number, number][] = [[300, 339]];
    const early = scoreAt([file(1000, windows, (i) => (i === 302 ? 1 : 0))], PROFILES.standard, 0.5);
    const late = scoreAt([file(1000, windows, (i) => (i === 336 ? 1 : 0))], PROFILES.standard, 0.5);
    expect(early.raw).toBeGreaterThan(late.raw);
    expect(early.truePositives).toBe(1);
  });

  it('makes a false positive just after a window almost free, and one far from any window cost fp', () => {
    const windows: [number, number][] = [[300, 339]];
    const base = scoreAt([file(1000, windows, (i) => (i === 300 ? 1 : 0))], PROFILES.standard, 0.5).raw;
    const justAfter = scoreAt([file(1000, windows, (i) => (i === 300 || i === 341 ? 1 : 0))], PROFILES.standard, 0.5).raw;
    const farAway = scoreAt([file(1000, windows, (i) => (i === 300 || i === 200 ? 1 : 0))], PROFILES.standard, 0.5).raw;
    expect(base - farAway).toBeCloseTo(0.11, 6); // a full false positive
    expect(base - justAfter).toBeLessThan((base - farAway) * 0.15); // two rows after the window: ~0.014
  });

  it('does not score the probationary rows', () => {
    const windows: [number, number][] = [[500, 539]];
    const early = scoreAt([file(1000, windows, (i) => (i === 10 || i === 505 ? 1 : 0))], PROFILES.standard, 0.5);
    expect(early.falsePositives).toBe(0);
  });

  it('scaledSigmoid is the NAB curve', () => {
    expect(scaledSigmoid(3.5)).toBe(-1);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 4);
  });
});
