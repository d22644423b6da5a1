/**
 * The incident engine: a pure state machine over events.
 *
 *   decide(state, command, now) -> event drafts   (reads state, never changes it)
 *   apply(state, event)                            (folds one committed event into state)
 *
 * The hub stores what `decide` returns, then `apply`s it; at start it rebuilds the
 * state by `apply`ing every stored event in order. Nothing here does I/O or reads a clock.
 */
import { canonicalJson } from '../canonical-json';
import { maxSeverity, severityRank, type Severity } from './severity';
import type {
  Alert,
  EventBody,
  EventDraft,
  HubEvent,
  IncidentDetail,
  IncidentMeta,
  IncidentStatus,
  IncidentSummary,
  ResolveReason,
  Sender,
  TimelineEntry,
} from './types';

export interface EngineConfig {
  /** Firing alerts from senders that re-send (Alertmanager, Grafana) expire when not refreshed this long; null = never. */
  staleAlertAfterMs: number | null;
  /** An acknowledged incident whose severity rises goes back to triggered. */
  retriggerOnSeverityIncrease: boolean;
  /** Timeline entries kept per incident (oldest dropped first). */
  timelineLimit: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  staleAlertAfterMs: 6 * 3_600_000,
  retriggerOnSeverityIncrease: true,
  timelineLimit: 500,
};

// Alertmanager never sends "resolved" for an alert that was silenced or inhibited
// after it fired; it just stops re-sending it. Grafana behaves the same way.
const REFRESHING_SENDERS: ReadonlySet<Sender> = new Set(['alertmanager', 'grafana']);

export interface IncidentRecord {
  id: number;
  key: string;
  source: Sender;
  routingKey: string | undefined;
  status: IncidentStatus;
  severity: Severity;
  meta: IncidentMeta;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | undefined;
  acknowledgedBy: string | undefined;
  resolvedAt: string | undefined;
  resolvedBy: string | undefined;
  resolveReason: ResolveReason | undefined;
  snoozedUntil: string | undefined;
  alerts: Map<string, Alert>;
  /** How many of `alerts` are firing (kept by apply, so summaries need not count). */
  firing: number;
  /** When each alert was last received (ms). Not an event: refreshes that change nothing are not stored. */
  alertSeenAt: Map<string, number>;
  /**
   * No firing alert can be stale before this time (ms). A memo for the tick: it
   * only skips scans that would find nothing. Seen-times only ever grow (and new
   * alerts are seen "now"), so a bound computed once stays a valid lower bound.
   */
  staleCheckAt: number;
  timeline: TimelineEntry[];
  lastSeq: number;
  /**
   * The latest escalation notification while the incident waits for someone
   * (cleared by acknowledge, snooze, resolve and re-trigger), so a restarted hub
   * carries on escalating where it was instead of starting over or stopping.
   */
  escalation: { team: string; level: number; people: string[]; reason: string; at: number } | undefined;
}

export interface EngineState {
  incidents: Map<number, IncidentRecord>;
  openByKey: Map<string, number>;
  nextId: number;
  lastSeq: number;
}

export function createEngineState(): EngineState {
  return { incidents: new Map(), openByKey: new Map(), nextId: 1, lastSeq: 0 };
}

/** A sender's notification, normalised by its adapter. */
export interface AlertBatch {
  source: Sender;
  /** Deduplication key: alerts with the same key while an incident is open belong to it. */
  key: string;
  routingKey?: string;
  meta: IncidentMeta;
  alerts: IncomingAlert[];
}

/**
 * An alert as a sender reported it. Senders that give no start (or, for a
 * resolved alert, no end) time get the time the hub first saw that state, so a
 * repeated notification stays identical to the first and changes nothing.
 */
export type IncomingAlert = Omit<Alert, 'startsAt'> & { startsAt?: string | undefined };

function completeAlert(incoming: IncomingAlert, prev: Alert | undefined, nowIso: string): Alert {
  // The common case (Alertmanager, Grafana) has every time already: no copy.
  if (incoming.startsAt !== undefined && (incoming.status === 'firing' || incoming.endsAt !== undefined)) return incoming as Alert;
  const { startsAt, ...rest } = incoming;
  const alert: Alert = { ...rest, startsAt: startsAt ?? prev?.startsAt ?? nowIso };
  if (alert.status === 'resolved' && alert.endsAt === undefined) {
    alert.endsAt = prev?.status === 'resolved' && prev.endsAt !== undefined ? prev.endsAt : nowIso;
  }
  return alert;
}

export type Command =
  | { kind: 'ingest'; batch: AlertBatch; actor: string }
  | { kind: 'acknowledge-key'; key: string; actor: string; via?: string }
  | { kind: 'resolve-key'; key: string; actor: string }
  | { kind: 'ack'; incidentId: number; actor: string; via?: string }
  | { kind: 'resolve'; incidentId: number; actor: string; via?: string }
  | { kind: 'snooze'; incidentId: number; actor: string; untilMs: number; via?: string }
  | { kind: 'tick' }
  /** Runbook steps are recorded, not decided: the engine only checks the incident exists. */
  | { kind: 'record'; incidentId: number; actor: string; body: Extract<EventBody, { type: 'runbook.step.started' | 'runbook.step.finished' | 'incident.notified' }> }
  /** Hub-level facts for the audit chain (no incident). */
  | { kind: 'audit'; actor: string; body: Extract<EventBody, { type: 'presence.consented' | 'presence.withdrawn' | 'presence.deleted' }> };

export class EngineError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface Decision {
  drafts: EventDraft[];
  /** The incident the command was about, when there is one. */
  incidentId?: number;
}

export function decide(state: EngineState, command: Command, nowMs: number, config: EngineConfig): Decision {
  switch (command.kind) {
    case 'ingest':
      return decideIngest(state, command.batch, command.actor, new Date(nowMs).toISOString(), config);
    case 'acknowledge-key': {
      const id = state.openByKey.get(command.key);
      if (id === undefined) return { drafts: [] };
      return decideAck(state, { kind: 'ack', incidentId: id, actor: command.actor, ...via(command.via) });
    }
    case 'resolve-key': {
      // The sender says the problem is over: its alerts end now, and so does the incident.
      const id = state.openByKey.get(command.key);
      const inc = id === undefined ? undefined : state.incidents.get(id);
      if (!inc) return { drafts: [] };
      const endsAt = new Date(nowMs).toISOString();
      const drafts: EventDraft[] = [];
      const ended: Alert[] = [];
      for (const alert of inc.alerts.values()) if (alert.status === 'firing') ended.push({ ...alert, status: 'resolved', endsAt });
      if (ended.length) drafts.push({ type: 'alerts.upserted', incidentId: inc.id, actor: command.actor, data: { alerts: ended } });
      drafts.push({ type: 'incident.resolved', incidentId: inc.id, actor: command.actor, data: { reason: 'sender' } });
      return { drafts, incidentId: inc.id };
    }
    case 'ack':
      return decideAck(state, command);
    case 'resolve': {
      const inc = mustFind(state, command.incidentId);
      if (inc.status === 'resolved') return { drafts: [], incidentId: inc.id };
      return {
        incidentId: inc.id,
        drafts: [
          { type: 'incident.resolved', incidentId: inc.id, actor: command.actor, data: { reason: 'manual', ...via(command.via) } },
        ],
      };
    }
    case 'snooze': {
      const inc = mustFind(state, command.incidentId);
      if (inc.status === 'resolved') throw new EngineError('conflict', `incident ${inc.id} is resolved; there is nothing to snooze`);
      if (command.untilMs <= nowMs) throw new EngineError('invalid', 'snooze must end in the future');
      return {
        incidentId: inc.id,
        drafts: [
          {
            type: 'incident.snoozed',
            incidentId: inc.id,
            actor: command.actor,
            data: { until: new Date(command.untilMs).toISOString(), ...via(command.via) },
          },
        ],
      };
    }
    case 'tick':
      return { drafts: decideTick(state, nowMs, config) };
    case 'audit':
      return { drafts: [{ ...command.body, incidentId: 0, actor: command.actor } as EventDraft] };
    case 'record': {
      const inc = mustFind(state, command.incidentId);
      return { incidentId: inc.id, drafts: [{ ...command.body, incidentId: inc.id, actor: command.actor } as EventDraft] };
    }
  }
}

function via(value: string | undefined): { via?: string } {
  return value === undefined ? {} : { via: value };
}

function mustFind(state: EngineState, id: number): IncidentRecord {
  const inc = state.incidents.get(id);
  if (!inc) throw new EngineError('not_found', `no incident ${id}`);
  return inc;
}

function decideAck(state: EngineState, command: Extract<Command, { kind: 'ack' }>): Decision {
  const inc = mustFind(state, command.incidentId);
  if (inc.status === 'resolved') throw new EngineError('conflict', `incident ${inc.id} is resolved; there is nothing to acknowledge`);
  // Acknowledging twice changes nothing; acknowledging a snoozed incident ends the snooze.
  if (inc.status === 'acknowledged' && inc.snoozedUntil === undefined) return { drafts: [], incidentId: inc.id };
  return {
    incidentId: inc.id,
    drafts: [{ type: 'incident.acknowledged', incidentId: inc.id, actor: command.actor, data: via(command.via) }],
  };
}

function decideIngest(state: EngineState, batch: AlertBatch, actor: string, nowIso: string, config: EngineConfig): Decision {
  const openId = state.openByKey.get(batch.key);
  const inc = openId === undefined ? undefined : state.incidents.get(openId);
  // Within one notification the last copy of a fingerprint wins.
  const incoming = new Map<string, Alert>();
  for (const alert of batch.alerts) {
    incoming.set(alert.fingerprint, completeAlert(alert, inc?.alerts.get(alert.fingerprint), nowIso));
  }
  if (!inc) {
    const firing = [...incoming.values()].filter((a) => a.status === 'firing');
    // A "resolved" for an incident we do not have open (or already closed) changes nothing.
    if (firing.length === 0) return { drafts: [] };
    const id = state.nextId;
    const drafts: EventDraft[] = [
      {
        type: 'incident.triggered',
        incidentId: id,
        actor,
        data: {
          ...batch.meta,
          key: batch.key,
          source: batch.source,
          severity: maxSeverity(
            firing.map((a) => a.severity),
            'info',
          ),
          ...(batch.routingKey === undefined ? {} : { routingKey: batch.routingKey }),
        },
      },
    ];
    drafts.push({ type: 'alerts.upserted', incidentId: id, actor, data: { alerts: [...incoming.values()] } });
    return { drafts, incidentId: id };
  }

  const drafts: EventDraft[] = [];
  const metaChange = diffMeta(inc.meta, batch.meta);
  if (metaChange) drafts.push({ type: 'incident.updated', incidentId: inc.id, actor, data: metaChange });

  const after = new Map(inc.alerts);
  const changed: Alert[] = [];
  for (const alert of incoming.values()) {
    const prev = inc.alerts.get(alert.fingerprint);
    if (prev && canonicalJson(prev) === canonicalJson(alert)) continue;
    changed.push(alert);
    after.set(alert.fingerprint, alert);
  }
  if (changed.length) drafts.push({ type: 'alerts.upserted', incidentId: inc.id, actor, data: { alerts: changed } });
  if (changed.length) {
    const firing = [...after.values()].filter((a) => a.status === 'firing');
    if (firing.length === 0) {
      drafts.push({ type: 'incident.resolved', incidentId: inc.id, actor, data: { reason: 'sender' } });
    } else if (config.retriggerOnSeverityIncrease && inc.status === 'acknowledged') {
      const severity = maxSeverity(
        firing.map((a) => a.severity),
        inc.severity,
      );
      if (severityRank(severity) > severityRank(inc.severity)) {
        drafts.push({
          type: 'incident.retriggered',
          incidentId: inc.id,
          actor,
          data: { reason: 'severity-increased', severity },
        });
      }
    }
  }
  return { drafts, incidentId: inc.id };
}

function diffMeta(prev: IncidentMeta, next: IncidentMeta): Partial<IncidentMeta> | null {
  const change: Partial<IncidentMeta> = {};
  let changed = false;
  for (const k of Object.keys(next) as (keyof IncidentMeta)[]) {
    if (canonicalJson(prev[k] ?? null) !== canonicalJson(next[k] ?? null)) {
      (change as Record<string, unknown>)[k] = next[k];
      changed = true;
    }
  }
  return changed ? change : null;
}

function decideTick(state: EngineState, nowMs: number, config: EngineConfig): EventDraft[] {
  const drafts: EventDraft[] = [];
  for (const id of state.openByKey.values()) {
    const inc = state.incidents.get(id);
    if (!inc) continue;
    if (inc.snoozedUntil !== undefined && Date.parse(inc.snoozedUntil) <= nowMs) {
      drafts.push({ type: 'incident.retriggered', incidentId: id, actor: 'earshot', data: { reason: 'snooze-expired' } });
    }
    if (config.staleAlertAfterMs === null || !REFRESHING_SENDERS.has(inc.source) || nowMs < inc.staleCheckAt) continue;
    const stale: string[] = [];
    let firing = 0;
    let oldestFresh = Infinity;
    for (const alert of inc.alerts.values()) {
      if (alert.status !== 'firing') continue;
      firing++;
      const seen = inc.alertSeenAt.get(alert.fingerprint) ?? Date.parse(inc.updatedAt);
      if (seen + config.staleAlertAfterMs <= nowMs) stale.push(alert.fingerprint);
      else oldestFresh = Math.min(oldestFresh, seen);
    }
    if (stale.length === 0) {
      inc.staleCheckAt = oldestFresh + config.staleAlertAfterMs; // memo only; see IncidentRecord.staleCheckAt
      continue;
    }
    drafts.push({ type: 'alerts.expired', incidentId: id, actor: 'earshot', data: { fingerprints: stale } });
    if (stale.length === firing) {
      drafts.push({ type: 'incident.resolved', incidentId: id, actor: 'earshot', data: { reason: 'expired' } });
    }
  }
  return drafts;
}

/** Marks alerts as just received without recording an event (see IncidentRecord.alertSeenAt). */
export function touchAlerts(state: EngineState, key: string, fingerprints: Iterable<string>, nowMs: number): void {
  const id = state.openByKey.get(key);
  const inc = id === undefined ? undefined : state.incidents.get(id);
  if (!inc) return;
  for (const fp of fingerprints) if (inc.alerts.has(fp)) inc.alertSeenAt.set(fp, nowMs);
}

export function apply(state: EngineState, event: HubEvent, config: EngineConfig): void {
  const at = event.ts;
  if (event.incidentId === 0) {
    // A hub-level fact: on the record (the audit chain), no incident state to change.
    state.lastSeq = Math.max(state.lastSeq, event.seq);
    return;
  }
  let inc = state.incidents.get(event.incidentId);
  if (event.type === 'incident.triggered') {
    const { key, source, severity, routingKey, ...meta } = event.data;
    inc = {
      id: event.incidentId,
      key,
      source,
      routingKey,
      status: 'triggered',
      severity,
      meta,
      createdAt: at,
      updatedAt: at,
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
      resolvedAt: undefined,
      resolvedBy: undefined,
      resolveReason: undefined,
      snoozedUntil: undefined,
      alerts: new Map(),
      firing: 0,
      alertSeenAt: new Map(),
      staleCheckAt: 0,
      timeline: [],
      lastSeq: event.seq,
      escalation: undefined,
    };
    state.incidents.set(inc.id, inc);
    state.openByKey.set(key, inc.id);
    state.nextId = Math.max(state.nextId, inc.id + 1);
  }
  if (!inc) throw new Error(`event ${event.seq} (${event.type}) names unknown incident ${event.incidentId}`);

  switch (event.type) {
    case 'incident.triggered':
      break;
    case 'alerts.upserted': {
      const seen = Date.parse(at);
      for (const alert of event.data.alerts) {
        const prev = inc.alerts.get(alert.fingerprint);
        if (prev?.status === 'firing') inc.firing--;
        if (alert.status === 'firing') inc.firing++;
        inc.alerts.set(alert.fingerprint, alert);
        inc.alertSeenAt.set(alert.fingerprint, seen);
      }
      inc.severity = incidentSeverity(inc);
      break;
    }
    case 'incident.updated':
      inc.meta = { ...inc.meta };
      for (const [k, v] of Object.entries(event.data)) if (v !== undefined) (inc.meta as Record<string, unknown>)[k] = v;
      break;
    case 'incident.acknowledged':
      inc.escalation = undefined;
      inc.status = 'acknowledged';
      inc.acknowledgedAt = at;
      inc.acknowledgedBy = event.actor;
      inc.snoozedUntil = undefined;
      break;
    case 'incident.snoozed':
      inc.escalation = undefined;
      if (inc.status !== 'acknowledged') {
        inc.acknowledgedAt = at;
        inc.acknowledgedBy = event.actor;
      }
      inc.status = 'acknowledged';
      inc.snoozedUntil = event.data.until;
      break;
    case 'incident.retriggered':
      inc.escalation = undefined;
      inc.status = 'triggered';
      inc.acknowledgedAt = undefined;
      inc.acknowledgedBy = undefined;
      inc.snoozedUntil = undefined;
      if (event.data.severity) inc.severity = event.data.severity;
      break;
    case 'alerts.expired':
      for (const fp of event.data.fingerprints) {
        const alert = inc.alerts.get(fp);
        if (alert?.status === 'firing') {
          inc.alerts.set(fp, { ...alert, status: 'resolved', endsAt: at });
          inc.firing--;
        }
      }
      break;
    case 'runbook.step.started':
    case 'runbook.step.finished':
      break; // on the record (timeline, audit chain); the incident's state does not change
    case 'incident.notified':
      inc.escalation = { team: event.data.team, level: event.data.level, people: event.data.people, reason: event.data.reason, at: Date.parse(at) };
      break;
    case 'incident.resolved':
      inc.escalation = undefined;
      inc.status = 'resolved';
      inc.resolvedAt = at;
      inc.resolvedBy = event.actor;
      inc.resolveReason = event.data.reason;
      inc.snoozedUntil = undefined;
      if (state.openByKey.get(inc.key) === inc.id) state.openByKey.delete(inc.key);
      break;
  }
  inc.updatedAt = at;
  inc.lastSeq = event.seq;
  state.lastSeq = Math.max(state.lastSeq, event.seq);
  inc.timeline.push({ seq: event.seq, at, type: event.type, actor: event.actor, text: describeEvent(event, inc) });
  if (inc.timeline.length > config.timelineLimit) inc.timeline.splice(0, inc.timeline.length - config.timelineLimit);
}

/** The highest severity among firing alerts; once none fires, the highest it had, so a resolved incident keeps its weight. */
function incidentSeverity(inc: IncidentRecord): Severity {
  let firing: Severity | undefined;
  let any: Severity = inc.severity;
  for (const a of inc.alerts.values()) {
    if (severityRank(a.severity) > severityRank(any)) any = a.severity;
    if (a.status === 'firing' && (firing === undefined || severityRank(a.severity) > severityRank(firing))) firing = a.severity;
  }
  return firing ?? any;
}

/** One plain-language line for the incident timeline. */
export function describeEvent(event: HubEvent, inc: IncidentRecord): string {
  switch (event.type) {
    case 'incident.triggered':
      return `Opened (${event.data.severity}): ${event.data.title}`;
    case 'alerts.upserted': {
      const { alerts } = event.data;
      const [first] = alerts;
      if (alerts.length === 1 && first) return `Alert ${first.status}: ${first.summary || first.fingerprint}`;
      const firing = alerts.filter((a) => a.status === 'firing').length;
      const parts = [firing && `${firing} firing`, alerts.length - firing && `${alerts.length - firing} resolved`].filter(Boolean);
      return `${alerts.length} alerts updated: ${parts.join(', ')}`;
    }
    case 'incident.updated':
      return `Updated ${Object.keys(event.data).join(', ')}`;
    case 'incident.acknowledged':
      return `Acknowledged by ${event.actor}`;
    case 'incident.snoozed':
      return `Snoozed by ${event.actor} until ${event.data.until}`;
    case 'incident.retriggered':
      return event.data.reason === 'snooze-expired'
        ? 'Re-triggered: snooze ended'
        : `Re-triggered: severity rose to ${event.data.severity ?? inc.severity}`;
    case 'alerts.expired': {
      const n = event.data.fingerprints.length;
      return `${n} alert${n === 1 ? '' : 's'} expired (not refreshed by the sender)`;
    }
    case 'runbook.step.started': {
      const what = event.data.argv ? event.data.argv.join(' ') : `${event.data.request?.method ?? ''} ${event.data.request?.url ?? ''}`;
      return `Ran "${event.data.stepTitle}" from runbook "${event.data.runbookTitle}" (${what}) — ${event.actor}`;
    }
    case 'runbook.step.finished': {
      const d = event.data;
      const how = d.timedOut ? 'timed out' : d.error ? `failed: ${d.error}` : d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : `exit ${d.exitCode ?? d.signal ?? '?'}`;
      return `"${d.stepTitle}" ${how} after ${(d.durationMs / 1000).toFixed(1)} s (${d.outputBytes} bytes of output${d.truncated ? ', cut' : ''})`;
    }
    case 'incident.notified': {
      const d = event.data;
      const why = d.reason === 'nobody present' ? 'nobody present, so everyone' : d.reason === 'previous away' ? `${d.skipped.join(', ')} away` : d.reason === 'not acknowledged' ? 'not acknowledged in time' : 'on call';
      return `Notified ${d.people.join(', ')} (${d.team}, level ${d.level}: ${why})`;
    }
    case 'presence.consented':
      return `${event.data.person} started sharing presence (${event.data.shares.join(', ')})`;
    case 'presence.withdrawn':
      return `${event.data.person} stopped sharing presence`;
    case 'presence.deleted':
      return `${event.data.person}'s presence data deleted (${event.data.records} records, ${event.data.why === 'request' ? 'on request' : 'retention'})`;
    case 'incident.resolved':
      switch (event.data.reason) {
        case 'manual':
          return `Resolved by ${event.actor}`;
        case 'sender':
          return 'Resolved: every alert resolved at the sender';
        case 'expired':
          return 'Resolved: alerts expired';
      }
  }
}

export function toSummary(inc: IncidentRecord): IncidentSummary {
  // Built field by field (no `undefined` members, no deletes) because this runs for every broadcast.
  const s: IncidentSummary = {
    id: inc.id,
    key: inc.key,
    source: inc.source,
    status: inc.status,
    severity: inc.severity,
    title: inc.meta.title,
    createdAt: inc.createdAt,
    updatedAt: inc.updatedAt,
    alertCounts: { firing: inc.firing, resolved: inc.alerts.size - inc.firing },
    groupLabels: inc.meta.groupLabels,
    commonLabels: inc.meta.commonLabels,
    truncatedAlerts: inc.meta.truncatedAlerts,
    links: inc.meta.links,
    lastSeq: inc.lastSeq,
  };
  if (inc.acknowledgedAt !== undefined) s.acknowledgedAt = inc.acknowledgedAt;
  if (inc.acknowledgedBy !== undefined) s.acknowledgedBy = inc.acknowledgedBy;
  if (inc.resolvedAt !== undefined) s.resolvedAt = inc.resolvedAt;
  if (inc.resolvedBy !== undefined) s.resolvedBy = inc.resolvedBy;
  if (inc.resolveReason !== undefined) s.resolveReason = inc.resolveReason;
  if (inc.snoozedUntil !== undefined) s.snoozedUntil = inc.snoozedUntil;
  if (inc.meta.externalURL !== undefined) s.externalURL = inc.meta.externalURL;
  return s;
}

export function toDetail(inc: IncidentRecord): IncidentDetail {
  const detail: IncidentDetail = { ...toSummary(inc), alerts: [...inc.alerts.values()], timeline: inc.timeline };
  if (inc.routingKey !== undefined) detail.routingKey = inc.routingKey;
  return detail;
}

/** Open incidents, newest first. */
export function openIncidents(state: EngineState): IncidentRecord[] {
  const out: IncidentRecord[] = [];
  for (const id of state.openByKey.values()) {
    const inc = state.incidents.get(id);
    if (inc) out.push(inc);
  }
  return out.sort((a, b) => b.id - a.id);
}
