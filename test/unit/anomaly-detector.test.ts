import { describe, expect, it } from 'vitest';
import { normalCdf, StreamingDetector } from '../../shared/anomaly/detector';

let seed = 42;
const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
const alarms = (values: number[], threshold = 0.97) => {
  const d = new StreamingDetector();
  return values.flatMap((v, i) => (d.update(v) >= threshold ? [i] : []));
};
const series = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('streaming detector', () => {
  it('flags a spike within a few points (the short-term mean smooths over 5)', () => {
    const a = alarms(series(1_500, (i) => 50 + noise() * 2 + (i === 1_000 ? 40 : 0)));
    expect(a).toHaveLength(1);
    expect(a[0]! - 1_000).toBeGreaterThanOrEqual(0);
    expect(a[0]! - 1_000).toBeLessThanOrEqual(4);
  });

  it('flags a step change once, right after it', () => {
    const a = alarms(series(2_000, (i) => (i < 1_200 ? 10 : 30) + noise()));
    expect(a.length).toBe(1);
    expect(a[0]! - 1_200).toBeGreaterThanOrEqual(0);
    expect(a[0]! - 1_200).toBeLessThan(5);
  });

  it('stays quiet on a flat line, and notices the first change in it', () => {
    expect(alarms(series(1_000, () => 7))).toEqual([]);
    expect(alarms(series(1_000, (i) => (i < 800 ? 7 : 7.5)))).toEqual([800]);
  });

  it('does not cry wolf on a noisy periodic signal', () => {
    const a = alarms(series(5_000, (i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + noise() * 3));
    expect(a.length).toBeLessThanOrEqual(2);
  });

  it('follows a slow drift without alarming over and over', () => {
    const a = alarms(series(4_000, (i) => 50 + i * 0.01 + noise()));
    expect(a.length).toBeLessThanOrEqual(1);
  });

  it('scores within [0, 1], ignores non-finite input, and uses constant memory', () => {
    const d = new StreamingDetector();
    for (let i = 0; i < 10_000; i++) {
      const s = d.update(i % 97 === 0 ? Number.NaN : Math.sin(i) * 1e6);
      expect(s >= 0 && s <= 1).toBe(true);
    }
    // Fixed-size state: a typed buffer of shortWindow, whatever the length.
    expect(Object.values(d).filter((v) => Array.isArray(v) || v instanceof Float64Array).every((v) => (v as ArrayLike<number>).length <= 5)).toBe(true);
  });

  it('normalCdf is accurate', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-3)).toBeCloseTo(0.00135, 4);
  });
});
