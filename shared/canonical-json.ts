/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no insignificant
 * whitespace, `undefined` members dropped. Same idea as RFC 8785 (JCS) for the
 * values we store (strings, finite numbers, booleans, null, arrays, objects).
 * The audit chain hashes this form, so it must never change for a given value.
 * (Written with plain loops: it runs for every stored event.)
 */
// Characters JSON.stringify would escape: quote, backslash, controls, and
// surrogates (a lone one is escaped; a pair is not, so both go the slow way).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

export function canonicalJson(value: unknown): string {
  // Fast path: when every object already lists its keys in sorted order (Go's
  // encoding/json sorts map keys, so Alertmanager's and Grafana's labels arrive
  // that way, and our own objects are built that way), JSON.stringify's output
  // is already canonical, and it is native.
  if (typeof value === 'object' && value !== null && inCanonicalOrder(value, 0)) return JSON.stringify(value);
  return slowCanonicalJson(value);
}

/** True when JSON.stringify(value) is canonical: sorted keys everywhere, nothing it would drop or change. */
function inCanonicalOrder(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (item === undefined || !inCanonicalOrder(item, depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
      let previous: string | undefined;
      for (const key in value) {
        if (previous !== undefined && !(previous < key)) return false;
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || !inCanonicalOrder(v, depth + 1)) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

function slowCanonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${quote(k)}:${canonicalJson(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise ${typeof value}`);
  }
}
