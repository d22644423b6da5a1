/** How incidents are ordered, filtered and summarised for people: pure, shared by the UI and the tray. */
import { severityRank } from './severity';
import type { IncidentStatus, IncidentSummary } from './types';

const STATUS_ORDER: Record<IncidentStatus, number> = { triggered: 0, acknowledged: 1, resolved: 2 };

/** Triggered first, then acknowledged, then resolved; within each, by severity, then newest first. */
export function compareIncidents(a: IncidentSummary, b: IncidentSummary): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
    b.id - a.id
  );
}

export interface IncidentFilter {
  statuses?: ReadonlySet<IncidentStatus> | undefined;
  text?: string | undefined;
}

/** Case-insensitive match on title, key, id, source and label names/values. */
export function matchesText(incident: IncidentSummary, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  if (String(incident.id) === needle.replace(/^#/, '')) return true;
  const haystack = [incident.title, incident.key, incident.source, ...Object.entries(incident.commonLabels).map(([k, v]) => `${k}=${v}`)];
  return haystack.some((h) => h.toLowerCase().includes(needle));
}

export function visibleIncidents(all: Iterable<IncidentSummary>, filter: IncidentFilter): IncidentSummary[] {
  const out: IncidentSummary[] = [];
  for (const incident of all) {
    if (filter.statuses && filter.statuses.size > 0 && !filter.statuses.has(incident.status)) continue;
    if (filter.text && !matchesText(incident, filter.text)) continue;
    out.push(incident);
  }
  return out.sort(compareIncidents);
}

export function countByStatus(all: Iterable<IncidentSummary>): Record<IncidentStatus, number> {
  const counts: Record<IncidentStatus, number> = { triggered: 0, acknowledged: 0, resolved: 0 };
  for (const i of all) counts[i.status]++;
  return counts;
}

/** The newest triggered incident: what "acknowledge newest" (tray, shortcut) acts on. */
export function newestTriggered(all: Iterable<IncidentSummary>): IncidentSummary | undefined {
  let best: IncidentSummary | undefined;
  for (const i of all) if (i.status === 'triggered' && (!best || i.id > best.id)) best = i;
  return best;
}

export type TrayState =
  | { kind: 'disconnected' }
  | { kind: 'clear' }
  | { kind: 'acknowledged'; count: number }
  | { kind: 'triggered'; count: number; critical: number };

/** What the menubar icon shows at a glance. */
export function trayState(all: Iterable<IncidentSummary>, live: boolean): TrayState {
  if (!live) return { kind: 'disconnected' };
  let triggered = 0;
  let critical = 0;
  let acknowledged = 0;
  for (const i of all) {
    if (i.status === 'triggered') {
      triggered++;
      if (i.severity === 'critical') critical++;
    } else if (i.status === 'acknowledged') acknowledged++;
  }
  if (triggered > 0) return { kind: 'triggered', count: triggered, critical };
  if (acknowledged > 0) return { kind: 'acknowledged', count: acknowledged };
  return { kind: 'clear' };
}

export function trayTitle(state: TrayState): string {
  switch (state.kind) {
    case 'disconnected':
      return 'Earshot: hub disconnected';
    case 'clear':
      return 'Earshot: all clear';
    case 'acknowledged':
      return `Earshot: ${state.count} acknowledged`;
    case 'triggered':
      return `Earshot: ${state.count} triggered${state.critical ? ` (${state.critical} critical)` : ''}`;
  }
}
