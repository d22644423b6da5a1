import { describe, expect, it } from 'vitest';
import { oneSidedZ, upperShare } from '../bench/voice/share-bound';

describe('the decision rules\' false-accept margin (upper confidence bound of a share)', () => {
  it('uses the one-sided normal quantile', () => {
    expect(oneSidedZ(0.95)).toBeCloseTo(1.6449, 3);
    expect(oneSidedZ(0.975)).toBeCloseTo(1.96, 3);
    expect(oneSidedZ(0.5)).toBeCloseTo(0, 6);
    expect(() => oneSidedZ(1)).toThrow(/confidence/);
    expect(() => oneSidedZ(0.3)).toThrow(/confidence/);
  });

  it('is Wilson\'s upper bound: above the share, closing in on it as clips grow', () => {
    // 10 of 100 at 95 %: 16.0 % (worked by hand from the formula); none of 100: z² / (n + z²).
    expect(upperShare(10, 100)).toBeCloseTo(0.1604, 3);
    expect(upperShare(0, 100)).toBeCloseTo(1.6449 ** 2 / (100 + 1.6449 ** 2), 4);
    expect(upperShare(10, 100, 0.5)).toBeCloseTo(0.1, 9);
    expect(upperShare(100, 10_000)).toBeGreaterThan(0.01);
    expect(upperShare(100, 10_000) - 0.01).toBeLessThan(upperShare(10, 1_000) - 0.01);
    expect(() => upperShare(3, 2)).toThrow(/k ≤ n/);
  });

  it('holds the tune speakers\' 2,380 distractor clips to 15 false accepts for a 1 % limit, not 23', () => {
    const allowed = (n: number, limit: number, confidence?: number) => {
      let k = 0;
      while (upperShare(k + 1, n, confidence) <= limit) k++;
      return k;
    };
    expect(allowed(2_380, 0.01)).toBe(15);
    expect(allowed(2_380, 0.01, 0.5)).toBe(23);
  });
});
