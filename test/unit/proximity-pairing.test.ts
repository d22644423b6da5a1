import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batteryPercent, decodeProximityPairing, hexToBytes } from '../../shared/airpods/proximity-pairing';

interface Vector {
  name: string;
  hex: string;
  expect: null | Record<string, unknown>;
}
const { vectors } = JSON.parse(readFileSync(new URL('../fixtures/airpods/proximity-pairing-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

const frame = (hex: string) => hexToBytes(hex) as Uint8Array;

describe('decodeProximityPairing: real captured frames', () => {
  it.each(vectors.map((v) => [v.name, v]))('%s', (_name, v) => {
    const decoded = decodeProximityPairing(frame(v.hex));
    if (v.expect === null) {
      expect(decoded).toBeNull();
      return;
    }
    const { modelId, ...rest } = v.expect;
    expect(decoded).not.toBeNull();
    expect(`0x${decoded!.modelId.toString(16).padStart(4, '0')}`).toBe(modelId);
    expect(decoded).toMatchObject(rest); // every field the vector states; it leaves unknowns out
  });

  it('gives one answer for one physical state seen from either pod (utp33 / utp53)', () => {
    const fromLeft = decodeProximityPairing(frame(vectors.find((v) => v.name.includes('utp33'))!.hex))!;
    const fromRight = decodeProximityPairing(frame(vectors.find((v) => v.name.includes('utp53'))!.hex))!;
    expect(fromLeft.primary).toBe('left');
    expect(fromRight.primary).toBe('right');
    // The lid byte means something only when the sending pod is in the case: from the in-ear
    // pod it is unknown (null), from the in-case pod it is known. Unknown never contradicts.
    expect(fromLeft.case?.lidOpen).toBeNull();
    expect(fromRight.case?.lidOpen).toBe(true);
    const strip = ({ primary: _p, case: c, ...rest }: typeof fromLeft) => ({ ...rest, case: { ...c, lidOpen: undefined } });
    expect(strip(fromLeft)).toEqual(strip(fromRight));
  });

  it('names models and keeps the colour', () => {
    const d = decodeProximityPairing(frame(vectors[0]!.hex))!;
    expect(d.model).toBe('AirPods Pro 2 (USB-C)');
    expect(d.color).toBe(0x00);
    expect(decodeProximityPairing(frame(vectors.find((v) => v.name.startsWith('AirPods Max'))!.hex))).toMatchObject({ model: 'AirPods Max', single: { battery: 40, charging: false } });
  });
});

describe('decodeProximityPairing: the known disagreements', () => {
  const base = () => frame('4c000719010f20339aa60100050185c65a0aff9097826bd7c542e1cc55'); // utp33

  it('nibble order follows the primary pod (bit5): swapping primary swaps the nibbles', () => {
    const f = base();
    f[7] = f[7]! & ~0x20; // primary right now
    const d = decodeProximityPairing(f)!;
    expect([d.left?.battery, d.right?.battery]).toEqual([90, 100]);
  });

  it('in-ear reads bit1/bit3 according to (primary is right) XOR (broadcasting pod in case)', () => {
    const f = base(); // primary left, bit6 clear: left = bit1, right = bit3
    f[7] = 0x20 | 0x08; // only bit3
    expect([decodeProximityPairing(f)!.left?.inEar, decodeProximityPairing(f)!.right?.inEar]).toEqual([false, true]);
    f[7] = 0x20 | 0x40 | 0x08; // now the broadcaster is in the case: the flags swap meaning
    expect([decodeProximityPairing(f)!.left?.inEar, decodeProximityPairing(f)!.right?.inEar]).toEqual([true, false]);
  });

  it('trusts the lid byte only when a pod is in the case', () => {
    const f = base();
    f[7] = 0x20 | 0x02; // nobody in the case
    f[10] = 0x00; // would read "open"
    expect(decodeProximityPairing(f)!.case?.lidOpen).toBeNull();
    f[7] = 0x20 | 0x04; // both in the case
    expect(decodeProximityPairing(f)!.case?.lidOpen).toBe(true);
    f[10] = 0x08;
    expect(decodeProximityPairing(f)!.case?.lidOpen).toBe(false);
  });

  it('reads batteries as nibble × 10, 11–14 as 100, 15 as unknown', () => {
    expect([0, 1, 9, 10, 11, 14, 15].map(batteryPercent)).toEqual([0, 10, 90, 100, 100, 100, null]);
  });

  it('case charging is its own flag', () => {
    const f = base();
    f[9] = 0x40 | 0x05;
    expect(decodeProximityPairing(f)!.case).toMatchObject({ battery: 50, charging: true });
  });
});

describe('decodeProximityPairing: malformed input', () => {
  const good = () => frame(vectors[0]!.hex);
  it.each([
    ['empty', new Uint8Array(0)],
    ['short', good().slice(0, 20)],
    ['long', new Uint8Array([...good(), 0x00])],
    ['not Apple', (() => { const f = good(); f[0] = 0x4d; return f; })()],
    ['not proximity pairing', (() => { const f = good(); f[2] = 0x10; return f; })()],
    ['wrong length byte', (() => { const f = good(); f[3] = 0x18; return f; })()],
    ['not a status frame', (() => { const f = good(); f[4] = 0x00; return f; })()],
  ])('%s → null', (_name, input) => {
    expect(decodeProximityPairing(input)).toBeNull();
  });

  it('never throws on thousands of random buffers, and stays in range when the header is right', () => {
    let seed = 1234567;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let decoded = 0;
    for (let i = 0; i < 5_000; i++) {
      const len = i % 3 === 0 ? 29 : Math.floor(rnd() * 40);
      const buf = new Uint8Array(len).map(() => Math.floor(rnd() * 256));
      if (i % 2 === 0 && len === 29) buf.set([0x4c, 0x00, 0x07, 0x19, 0x01]);
      const d = decodeProximityPairing(buf);
      if (!d) continue;
      decoded++;
      for (const b of [d.left?.battery, d.right?.battery, d.case?.battery, d.single?.battery]) {
        if (b !== undefined && b !== null) expect(b >= 0 && b <= 100).toBe(true);
      }
    }
    expect(decoded).toBeGreaterThan(500);
    expect(decodeProximityPairing(null as unknown as Uint8Array)).toBeNull();
    expect(decodeProximityPairing([1, 2, 3] as unknown as Uint8Array)).toBeNull();
  });
});

describe('what is shared with the hub', () => {
  it('sends batteries and in-ear state, never addresses or signal, and nothing when unpaired or unsure', async () => {
    const { toAudioMetrics } = await import('../../shared/airpods/view');
    const base = { bluetooth: 'scanning' as const, nearby: [{ address: 'aa', model: 'x', color: 0, rssi: -40, lastSeen: 0, summary: '' }] };
    expect(toAudioMetrics({ ...base, state: 'unpaired' })).toBeNull();
    expect(toAudioMetrics({ ...base, bluetooth: 'poweredOff', state: 'tracking', model: 'AirPods' })).toBeNull();
    const tracked = toAudioMetrics({ ...base, state: 'tracking', model: 'AirPods Pro', left: { battery: 90, charging: false, inEar: true }, rssi: -40, lastSeen: 1_700_000_000_000 });
    expect(tracked).toEqual({ model: 'AirPods Pro', state: 'tracking', left: { battery: 90, charging: false, inEar: true }, lastSeen: '2023-11-14T22:13:20.000Z' });
    expect(toAudioMetrics({ ...base, state: 'not-sure', model: 'AirPods Pro', notSure: 'x', lastSeen: 0, left: { battery: 10, charging: false, inEar: false } })).toEqual({ model: 'AirPods Pro', state: 'not-sure', lastSeen: '1970-01-01T00:00:00.000Z' });
  });
});
