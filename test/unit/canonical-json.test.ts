import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashEvent } from '../../electron/hub/store/event-store';
import { canonicalJson } from '../../shared/canonical-json';
import { parseDuration } from '../../shared/duration';
import { normalizeSeverity } from '../../shared/incidents/severity';
import type { HubEvent } from '../../shared/incidents/types';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members, and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('escapes strings exactly as JSON does, including control characters and lone surrogates', () => {
    const s = 'quote " back \\ nl \n tab \t nul \u0000 emoji 😀 lone \ud800';
    expect(JSON.parse(canonicalJson({ s })).s).toBe(s);
  });

  it('is the same for equal values built in different key orders', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/cannot serialise/);
  });
});

describe('hashEvent', () => {
  it('hashes exactly prev_hash + "\\n" + canonicalJson of the whole event', () => {
    const event: HubEvent = { seq: 7, ts: '2026-11-21T10:00:00.000Z', type: 'incident.acknowledged', incidentId: 3, actor: 'alice "the" admin', data: { via: 'http/admin' } };
    const { seq, ts, type, incidentId, actor, data } = event;
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonicalJson({ seq, ts, type, incidentId, actor, data })}`).digest('hex');
    expect(hashEvent(GENESIS_HASH, event)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '15', 'm15', '1h 30m', '-5m'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());
});

describe('normalizeSeverity', () => {
  it.each([
    ['CRITICAL', 'critical'],
    ['P1', 'critical'],
    ['sev2', 'error'],
    ['high', 'error'],
    ['Warn', 'warning'],
    ['low', 'info'],
  ] as const)('%s → %s', (raw, expected) => expect(normalizeSeverity(raw, 'error')).toBe(expected));

  it('falls back for missing and unknown words', () => {
    expect(normalizeSeverity(undefined, 'warning')).toBe('warning');
    expect(normalizeSeverity('bananas', 'info')).toBe('info');
  });
});

describe('canonicalJson fast path', () => {
  // The fast path hands sorted-key values to JSON.stringify; it must agree with the
  // sorting path for every shape, including the ones it must refuse.
  const reference = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : reference(x))).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      const rec = v as Record<string, unknown>;
      return `{${Object.keys(rec).filter((k) => rec[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${reference(rec[k])}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };

  it.each([
    ['sorted keys', { a: 1, b: { c: 'x', d: [1, 2] } }],
    ['unsorted keys', { b: 1, a: 2 }],
    ['unsorted deep inside sorted', { a: { z: 1, y: 2 }, b: 1 }],
    ['integer-like keys (JS orders them numerically)', { '10': 'a', '9': 'b', a: 1 }],
    ['undefined member', { a: 1, b: undefined, c: 3 }],
    ['undefined in array', { a: [1, undefined, 3] }],
    ['__proto__ as an own key', JSON.parse('{"__proto__":{"x":1},"a":1}') as unknown],
    ['escapes', { 'k"\\': 'v\n\u0001\ud800😀' }],
    ['empty', { a: {}, b: [] }],
  ])('%s', (_name, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it('agrees with the sorting path on random nested values', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return [() => 'x' + Math.floor(rnd() * 100), () => rnd() * 1e6, () => rnd() < 0.5, () => null][Math.floor(rnd() * 4)]!();
      if (r < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
      const obj: Record<string, unknown> = {};
      const keys = Array.from({ length: Math.floor(rnd() * 5) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26)) + (rnd() < 0.2 ? String(Math.floor(rnd() * 20)) : ''));
      if (rnd() < 0.5) keys.sort();
      for (const k of keys) obj[k] = gen(depth + 1);
      return obj;
    };
    for (let i = 0; i < 2_000; i++) {
      const v = gen(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });
});
