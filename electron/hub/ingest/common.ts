import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../../shared/canonical-json';
import type { Severity } from '../../../shared/incidents/severity';
import type { AlertBatch } from '../../../shared/incidents/engine';
import type { Link } from '../../../shared/incidents/types';

/** What an adapter knows about the request besides its body. */
export interface IngestContext {
  /** Name of the credential the sender used: part of the dedup key, and the actor. */
  credential: string;
  receivedAt: Date;
  defaultSeverity: Severity;
}

export type IngestPlan =
  | { kind: 'batch'; batch: AlertBatch }
  | { kind: 'acknowledge-key'; key: string; actor: string }
  | { kind: 'resolve-key'; key: string; actor: string };

// Bounded strings keep one hostile payload from holding a lot of memory per field;
// the body limit bounds the total.
export const text = (max = 16_384) => z.string().max(max);
// Label maps come out with their keys sorted (Go senders already sort them; others
// are re-keyed here once), so the event log serialises them canonically on
// JSON.stringify's native fast path (see canonicalJson).
export const labelMap = z.record(z.string().max(1_024), z.string().max(16_384)).transform(sortedKeys);

/** The record itself when its keys are already in canonical order, else a sorted copy. */
function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  let previous: string | undefined;
  let sorted = true;
  for (const key in record) {
    if (previous !== undefined && !(previous < key)) {
      sorted = false;
      break;
    }
    previous = key;
  }
  if (sorted) return record;
  // fromEntries defines own properties, so a "__proto__" label stays a label.
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] as T]));
}

/** Alertmanager and Grafana mark "not ended" with Go's zero time. */
const ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;
export function endsAtOrUndefined(endsAt: string | undefined): string | undefined {
  return endsAt === undefined || endsAt === '' || ZERO_TIME.test(endsAt) ? undefined : endsAt;
}

export function labelFingerprint(labels: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson(labels)).digest('hex').slice(0, 16);
}

/** Only http(s) links are kept as links; anything else stays visible as text elsewhere. */
export function httpLink(href: string | undefined, text: string): Link[] {
  if (!href) return [];
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? [{ href: url.toString(), text }] : [];
  } catch {
    return [];
  }
}

export function firstNonEmpty(...values: (string | undefined)[]): string | undefined {
  for (const v of values) if (v !== undefined && v.trim() !== '') return v;
  return undefined;
}
