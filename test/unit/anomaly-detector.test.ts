import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

  it('one episode, one alarm: a long burst alarms once, but a second dip after the first has passed alarms again', () => {
    seed = 42; // the same noise whatever ran before
    const dips = series(2_000, (i) => 50 + noise() * 2 - ((i >= 1_000 && i < 1_004) || (i >= 1_060 && i < 1_064) ? 30 : 0));
    const burst = series(2_000, (i) => 50 + noise() * (i >= 1_000 && i < 1_080 ? 12 : 2));
    const alarmsWith = (values: number[], options: ConstructorParameters<typeof StreamingDetector>[0]) => {
      const d = new StreamingDetector(options);
      return values.flatMap((v, i) => (d.update(v) >= 0.97 ? [i] : []));
    };
    expect(alarmsWith(dips, {})).toEqual([1_000, 1_061]);
    expect(alarmsWith(burst, {})).toEqual([1_000]);
    // Damping for a fixed time instead (the earlier rule) hides the second dip.
    expect(alarmsWith(dips, { calmPoints: 0, refractory: 100 })).toEqual([1_000]);
  });

  it('notices a sustained shift into the usual range (NAB machine_temperature, third window) by its one-sidedness', () => {
    // NAB's labels put the window at rows 16,057–16,623: the temperature settles some way below its level,
    // well inside the range the machine has shown, with no single surprising value (MIT, see the fixture's README).
    const rows = gunzipSync(readFileSync(join(import.meta.dirname, '../fixtures/nab/machine_temperature_system_failure-0-16700.csv.gz'))).toString('utf8').trim().split('\n').slice(1);
    const points = rows.map((r) => r.split(',')).map(([t, v]) => [Date.parse(`${(t as string).replace(' ', 'T')}Z`), Number(v)] as const);
    const inWindow = (options: ConstructorParameters<typeof StreamingDetector>[0]) => {
      const d = new StreamingDetector(options);
      return points.flatMap(([t, v], i) => (d.update(v, t) >= 0.97 && i >= 16_057 && i <= 16_623 ? [{ i, reason: d.reason }] : []));
    };
    const found = inWindow({});
    expect(found).toHaveLength(1);
    expect(found[0]?.reason).toBe('shift');
    expect(found[0]!.i).toBeLessThan(16_057 + 0.25 * 567); // early in the window
    expect(inWindow({ shiftLimit: 0 })).toEqual([]);
  });

  it('scores within [0, 1], ignores non-finite input, and uses constant memory', () => {
    const d = new StreamingDetector();
    const stateSize = () => JSON.stringify(d, (_k, v: unknown) => (ArrayBuffer.isView(v) ? (v as Float64Array).length : typeof v === 'number' || typeof v === 'boolean' ? 0 : v)).length;
    let sizeAt1k = 0;
    for (let i = 0; i < 50_000; i++) {
      const s = d.update(i % 97 === 0 ? Number.NaN : Math.sin(i) * 1e6, Date.UTC(2026, 0, 1) + i * 300_000);
      expect(s >= 0 && s <= 1).toBe(true);
      if (i === 1_000) sizeAt1k = stateSize();
    }
    // Fixed-size state (typed buffers for the window and the daily and weekly profiles), whatever the length.
    expect(stateSize()).toBe(sizeAt1k);
  });

  describe('with timestamps: daily and weekly rhythm', () => {
    // 14 days at 5-minute steps: quiet nights, a busy working day, noise.
    const start = Date.UTC(2026, 10, 2); // a Monday
    const step = 300_000;
    const day = (t: number) => new Date(t).getUTCHours();
    const busy = (t: number) => (day(t) >= 9 && day(t) < 17 ? 60 : 10);
    const points = (n: number, f: (t: number, i: number) => number) => Array.from({ length: n }, (_, i) => [start + i * step, f(start + i * step, i)] as const);
    const alarmsAt = (pts: readonly (readonly [number, number])[], timed: boolean) => {
      const d = new StreamingDetector();
      return pts.flatMap(([t, v], i) => (d.update(v, timed ? t : undefined) >= 0.97 ? [i] : []));
    };

    it('learns that the working day is busy: no alarms at the daily peaks once a day has been seen', () => {
      const pts = points(14 * 288, (t) => busy(t) + noise() * 3);
      const timed = alarmsAt(pts, true).filter((i) => i >= 288);
      expect(timed.length).toBeLessThanOrEqual(1);
      // Without times the same series is a level that jumps twice a day: it alarms again and again.
      expect(alarmsAt(pts, false).filter((i) => i >= 288).length).toBeGreaterThan(3);
    });

    it('notices a working day that did not happen (no value is out of range; the rhythm is broken)', () => {
      const quietDay = 9; // a Wednesday, well after the first week
      const pts = points(14 * 288, (t, i) => (Math.floor(i / 288) === quietDay ? 10 : busy(t)) + noise() * 3);
      const a = alarmsAt(pts, true);
      const inQuietDay = a.filter((i) => Math.floor(i / 288) === quietDay);
      expect(inQuietDay.length).toBeGreaterThanOrEqual(1);
      expect(a.filter((i) => i >= 288 && Math.floor(i / 288) !== quietDay && Math.floor(i / 288) !== quietDay + 1).length).toBeLessThanOrEqual(1);
    });
  });

  it('notices its usual values in an unusual order: a pair of spikes where there is always one (a new shape)', () => {
    // Spikes at 0 and 6 of every 100 points, as in NAB's art_increase_spike_density; then more of them, two in a row.
    const extra = new Set([2005, 2010, 2015]);
    const alarmsWith = (options: ConstructorParameters<typeof StreamingDetector>[0]) => {
      const d = new StreamingDetector(options);
      const alarms: number[] = [];
      for (let i = 0; i < 3_000; i++) if (d.update(i % 100 === 0 || i % 100 === 6 || extra.has(i) ? 20 : 0) >= 0.97) alarms.push(i);
      return alarms;
    };
    expect(alarmsWith({})).toEqual([2006]);
    expect(alarmsWith({ moveLength: 0 })).toEqual([2006]); // shapes alone see it
    const d = new StreamingDetector();
    for (let i = 0; i <= 2006; i++) d.update(i % 100 === 0 || i % 100 === 6 || extra.has(i) ? 20 : 0);
    expect(d.reason).toBe('shape'); // for the incident's "why": every value was in range
    // Every value is one it has seen thousands of times, and the burst alone is not surprising enough.
    expect(alarmsWith({ shapeLength: 0, moveLength: 0 })).toEqual([]);
  });

  it('notices the usual range covered in an unusual rhythm (new moves), here isolated from shapes and the likelihood gate', () => {
    // A slow triangle 0…10…0 with a little noise; then for 60 points a square zigzag 8, 8, 2, 2 inside the same range.
    let seed = 5;
    const jitter = Array.from({ length: 3_000 }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 0.3);
    const triangle = (i: number) => (i % 40 < 20 ? (i % 40) / 2 : (40 - (i % 40)) / 2);
    const value = (i: number) => (i >= 2_000 && i < 2_060 ? (i % 4 < 2 ? 8 : 2) : triangle(i)) + (jitter[i] as number);
    const alarmsWith = (options: ConstructorParameters<typeof StreamingDetector>[0]) => {
      const d = new StreamingDetector({ shapeLength: 0, shapeGate: 0, ...options });
      const alarms: number[] = [];
      for (let i = 0; i < 3_000; i++) if (d.update(value(i)) >= 0.97) alarms.push(i);
      return alarms;
    };
    expect(alarmsWith({})).toEqual([2_000]);
    expect(alarmsWith({ moveLength: 0 })).toEqual([]);
  });

  it('normalCdf is accurate', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-3)).toBeCloseTo(0.00135, 4);
  });
});
