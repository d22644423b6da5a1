/**
 * What Earshot says: short, spoken-friendly sentences built from templates.
 * Alert text is attacker-controlled; everything that reaches a speech engine
 * passes `speakable`, which keeps words and numbers and drops what a listener
 * cannot use (URLs, hex ids, markup, label noise) — and anything an engine might
 * treat as a command ([[…]] embedded commands, control characters).
 */
import type { IncidentSummary } from '../incidents/types';

export type AnnouncementKind = 'new' | 'retriggered' | 'escalated' | 'resolved' | 'acknowledged' | ConfirmationKind;
/** Spoken feedback for the user's own action, and the one question a voice command may get back. */
export type ConfirmationKind = 'confirm-ack' | 'confirm-snooze' | 'confirm-resolve' | 'say-again' | 'cancelled';

export interface PhrasingTemplates {
  new: string;
  retriggered: string;
  escalated: string;
  resolved: string;
  acknowledged: string;
}

/** Placeholders: {severity} {title} {id} {source} {by}. */
export const DEFAULT_TEMPLATES: PhrasingTemplates = {
  new: '{severity}. {title}. Incident {id}.',
  retriggered: 'Again: {severity}. {title}. Incident {id}.',
  escalated: 'Escalated to you: {severity}. {title}. Incident {id}.',
  resolved: 'Resolved: {title}. Incident {id}.',
  acknowledged: 'Incident {id} acknowledged by {by}.',
};

const MAX_TITLE = 160;
const MAX_UTTERANCE = 400;

const UNITS: [RegExp, string][] = [
  [/(\d)\s?%/g, '$1 percent'],
  [/(\d)\s?ms\b/g, '$1 milliseconds'],
  [/(\d)\s?µs\b/g, '$1 microseconds'],
  [/(\d)\s?(?:s|sec|secs)\b/g, '$1 seconds'],
  [/(\d)\s?(?:min|mins)\b/g, '$1 minutes'],
  [/(\d)\s?(?:h|hr|hrs)\b/g, '$1 hours'],
  [/(\d)\s?KiB\b/g, '$1 kibibytes'],
  [/(\d)\s?MiB\b/g, '$1 mebibytes'],
  [/(\d)\s?GiB\b/g, '$1 gibibytes'],
  [/(\d)\s?TiB\b/g, '$1 tebibytes'],
  [/(\d)\s?(?:KB|kB)\b/g, '$1 kilobytes'],
  [/(\d)\s?MB\b/g, '$1 megabytes'],
  [/(\d)\s?GB\b/g, '$1 gigabytes'],
  [/(\d)\s?TB\b/g, '$1 terabytes'],
  [/(\d)\s?(?:rps|req\/s)\b/g, '$1 requests per second'],
  [/(\d)\s?°C\b/g, '$1 degrees Celsius'],
];

/** Makes arbitrary alert text fit to be spoken, and safe to hand to any engine. */
export function speakable(text: string, maxLength = MAX_TITLE): string {
  let t = text.normalize('NFKC');
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  t = t.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' '); // controls, bidi
  t = t.replace(/<[^>]{0,200}>/g, ' '); // markup (HTML, SSML, SABLE)
  t = t.replace(/\[\[.*?\]\]|\[\[|\]\]/g, ' '); // macOS/espeak embedded commands and phoneme input
  t = t.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' '); // URLs
  t = t.replace(/\b(?:javascript|data|file|mailto):\S*/gi, ' ');
  t = t.replace(/\{[^{}]{0,300}\}/g, ' '); // label sets: {alertname="X", job="y"}
  t = t.replace(/\b[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|\S+)/g, ' '); // key=value noise
  t = t.replace(/\b0x[0-9a-f]+\b/gi, ' '); // 0x-prefixed hex
  t = t.replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, ' '); // hex ids and hashes
  t = t.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' '); // UUIDs
  for (const [re, spoken] of UNITS) t = t.replace(re, spoken);
  t = t.replace(/[`$\\|;&^~*#@"'(){}[\]<>=_]+/g, ' '); // symbols read as noise ("dollar", "backtick")
  t = t.replace(/\s*([.,:!?])(?:\s*[.,:!?])+/g, '$1'); // "Disk . , full" → tidy
  t = t.replace(/\s+/g, ' ').trim();
  t = t.replace(/^[-–—+./\s]+/, ''); // never starts with a dash (belt and braces: text goes on stdin anyway)
  if (t.length > maxLength) t = `${t.slice(0, maxLength).replace(/\s+\S*$/, '')}…`;
  return t;
}

export function severityWord(severity: IncidentSummary['severity']): string {
  return { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' }[severity];
}

/** One announcement for one incident. */
export function phrase(kind: Exclude<AnnouncementKind, ConfirmationKind>, incident: IncidentSummary, templates: PhrasingTemplates = DEFAULT_TEMPLATES, by?: string): string {
  return fillTemplate(templates[kind], incident, by);
}

/** Fills {severity} {title} {id} {source} {by} with speakable values. */
export function fillTemplate(template: string, incident: IncidentSummary, by?: string): string {
  const values: Record<string, string> = {
    severity: severityWord(incident.severity),
    title: speakable(incident.title) || 'an alert',
    id: String(incident.id),
    source: speakable(incident.source, 40),
    by: speakable(by ?? incident.acknowledgedBy ?? 'someone', 60) || 'someone',
  };
  return finish(template.replace(/\{(severity|title|id|source|by)\}/g, (_m, key: string) => values[key] ?? ''));
}

/** A storm becomes one sentence: "Twelve new incidents, three critical. Top: Disk almost full on db-1." */
export function phraseStorm(incidents: readonly IncidentSummary[]): string {
  const critical = incidents.filter((i) => i.severity === 'critical').length;
  const top = [...incidents].sort((a, b) => rank(b) - rank(a) || b.id - a.id)[0];
  const head = `${capitalise(numberWords(incidents.length))} new incidents${critical ? `, ${numberWords(critical)} critical` : ''}.`;
  return finish(top ? `${head} Top: ${speakable(top.title) || 'an alert'}.` : head);
}

export function phraseConfirmation(kind: ConfirmationKind, incidentId?: number): string {
  if (kind === 'say-again') return 'Say again?';
  if (kind === 'cancelled') return 'Cancelled.';
  const what = { 'confirm-ack': 'Acknowledged', 'confirm-snooze': 'Snoozed for fifteen minutes', 'confirm-resolve': 'Resolved' }[kind];
  return incidentId === undefined ? `${what}.` : `${what}. Incident ${incidentId}.`;
}

function rank(i: IncidentSummary): number {
  return { critical: 3, error: 2, warning: 1, info: 0 }[i.severity];
}

function finish(text: string): string {
  const t = text.replace(/\s+/g, ' ').replace(/\.\s*\./g, '.').trim();
  return t.length > MAX_UTTERANCE ? `${t.slice(0, MAX_UTTERANCE - 1)}…` : t;
}

const SMALL = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 0–999 in words (larger counts stay digits; engines read those well). */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) return String(n);
  if (n < 20) return SMALL[n] as string;
  if (n < 100) return `${TENS[Math.floor(n / 10)]}${n % 10 ? `-${SMALL[n % 10]}` : ''}`;
  return `${SMALL[Math.floor(n / 100)]} hundred${n % 100 ? ` and ${numberWords(n % 100)}` : ''}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
