export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { critical: 3, error: 2, warning: 1, info: 0 };

// Words senders and teams actually use, folded onto the four PagerDuty levels.
const ALIASES: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', fatal: 'critical', emergency: 'critical', emerg: 'critical',
  alert: 'critical', page: 'critical', p1: 'critical', sev1: 'critical', sev0: 'critical', p0: 'critical', disaster: 'critical',
  error: 'error', err: 'error', high: 'error', major: 'error', p2: 'error', sev2: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', minor: 'warning', average: 'warning', p3: 'warning', sev3: 'warning',
  info: 'info', information: 'info', informational: 'info', notice: 'info', low: 'info', none: 'info', ok: 'info',
  debug: 'info', p4: 'info', p5: 'info', sev4: 'info', sev5: 'info',
};

/** Maps a sender's severity word to one of ours; `fallback` when absent or unknown. */
export function normalizeSeverity(raw: string | undefined | null, fallback: Severity): Severity {
  if (!raw) return fallback;
  return ALIASES[raw.trim().toLowerCase()] ?? fallback;
}

export function severityRank(s: Severity): number {
  return RANK[s];
}

export function maxSeverity(values: Iterable<Severity>, fallback: Severity): Severity {
  let best: Severity | null = null;
  for (const s of values) if (best === null || RANK[s] > RANK[best]) best = s;
  return best ?? fallback;
}
