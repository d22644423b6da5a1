import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENGINE_CONFIG,
  EngineError,
  apply,
  createEngineState,
  decide,
  toSummary,
  type AlertBatch,
  type Command,
  type EngineConfig,
  type EngineState,
  type IncomingAlert,
} from '../../shared/incidents/engine';
import type { HubEvent } from '../../shared/incidents/types';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const MIN = 60_000;

/** Runs commands through decide + apply the way the hub does, with a fake clock and seq. */
class Harness {
  state: EngineState = createEngineState();
  seq = 0;
  log: HubEvent[] = [];
  constructor(readonly config: EngineConfig = DEFAULT_ENGINE_CONFIG) {}

  run(command: Command, nowMs: number): HubEvent[] {
    const { drafts } = decide(this.state, command, nowMs, this.config);
    const events = drafts.map((d) => ({ ...d, seq: ++this.seq, ts: new Date(nowMs).toISOString() }) as HubEvent);
    for (const e of events) apply(this.state, e, this.config);
    this.log.push(...events);
    return events;
  }

  incident(id: number) {
    const inc = this.state.incidents.get(id);
    if (!inc) throw new Error(`no incident ${id}`);
    return toSummary(inc);
  }
}

function alert(fp: string, status: 'firing' | 'resolved', severity: IncomingAlert['severity'] = 'warning'): IncomingAlert {
  return { fingerprint: fp, status, severity, summary: `alert ${fp}`, labels: { alertname: 'X', fp }, annotations: {}, startsAt: '2026-11-21T09:59:00Z', links: [] };
}

function batch(alerts: IncomingAlert[], key = 'am:recv:{}:{alertname="X"}', source: AlertBatch['source'] = 'alertmanager'): AlertBatch {
  return { source, key, meta: { title: 'X is broken', groupLabels: { alertname: 'X' }, commonLabels: { alertname: 'X' }, truncatedAlerts: 0, links: [] }, alerts };
}

const ingest = (b: AlertBatch): Command => ({ kind: 'ingest', batch: b, actor: 'alertmanager/test' });

describe('incident engine', () => {
  it('opens one incident per dedup key with its alerts and the highest firing severity', () => {
    const h = new Harness();
    const events = h.run(ingest(batch([alert('a', 'firing', 'warning'), alert('b', 'firing', 'critical')])), T0);
    expect(events.map((e) => e.type)).toEqual(['incident.triggered', 'alerts.upserted']);
    const inc = h.incident(1);
    expect(inc).toMatchObject({ status: 'triggered', severity: 'critical', alertCounts: { firing: 2, resolved: 0 } });
  });

  it('treats the same notification twice as nothing new', () => {
    const h = new Harness();
    const b = batch([alert('a', 'firing')]);
    h.run(ingest(b), T0);
    expect(h.run(ingest(b), T0 + MIN)).toEqual([]);
  });

  it('fills a missing start time from the first sighting, so repeats stay identical', () => {
    const h = new Harness();
    const noStart = { ...alert('a', 'firing'), startsAt: undefined };
    h.run(ingest(batch([noStart])), T0);
    expect(h.run(ingest(batch([noStart])), T0 + 5 * MIN)).toEqual([]);
    expect(h.state.incidents.get(1)?.alerts.get('a')?.startsAt).toBe(new Date(T0).toISOString());
  });

  it('ignores a resolved notification for an incident it does not have open', () => {
    const h = new Harness();
    expect(h.run(ingest(batch([alert('a', 'resolved')])), T0)).toEqual([]);
  });

  it('resolves when every alert of the group is resolved, and still emits resolved for an acknowledged incident', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing'), alert('b', 'firing')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    expect(h.run(ingest(batch([alert('a', 'resolved'), alert('b', 'firing')])), T0 + 2 * MIN).map((e) => e.type)).toEqual(['alerts.upserted']);
    expect(h.incident(1).status).toBe('acknowledged');
    const last = h.run(ingest(batch([alert('a', 'resolved'), alert('b', 'resolved')])), T0 + 3 * MIN);
    expect(last.map((e) => e.type)).toEqual(['alerts.upserted', 'incident.resolved']);
    expect(h.incident(1)).toMatchObject({ status: 'resolved', resolveReason: 'sender', acknowledgedBy: 'alice' });
  });

  it('keeps the acknowledgement when more alerts join the group', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    h.run(ingest(batch([alert('a', 'firing'), alert('c', 'firing')])), T0 + 2 * MIN);
    expect(h.incident(1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', alertCounts: { firing: 2 } });
  });

  it('re-triggers an acknowledged incident whose severity rises', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing', 'warning')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    const events = h.run(ingest(batch([alert('a', 'firing', 'critical')])), T0 + 2 * MIN);
    expect(events.map((e) => e.type)).toEqual(['alerts.upserted', 'incident.retriggered']);
    expect(h.incident(1)).toMatchObject({ status: 'triggered', severity: 'critical' });
    expect(h.incident(1).acknowledgedBy).toBeUndefined();
  });

  it('does not re-trigger on a severity rise when configured not to', () => {
    const h = new Harness({ ...DEFAULT_ENGINE_CONFIG, retriggerOnSeverityIncrease: false });
    h.run(ingest(batch([alert('a', 'firing', 'warning')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    h.run(ingest(batch([alert('a', 'firing', 'critical')])), T0 + 2 * MIN);
    expect(h.incident(1)).toMatchObject({ status: 'acknowledged', severity: 'critical' });
  });

  it('opens a new incident when the group fires again after recovery (the acknowledgement does not carry over)', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    h.run(ingest(batch([alert('a', 'resolved')])), T0 + 2 * MIN);
    h.run(ingest(batch([alert('a', 'firing')])), T0 + 3 * MIN);
    expect(h.incident(2)).toMatchObject({ status: 'triggered' });
    expect(h.incident(2).acknowledgedBy).toBeUndefined();
    expect(h.incident(1).status).toBe('resolved');
  });

  it('acknowledging twice changes nothing; acknowledging or snoozing a resolved incident is a conflict', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    expect(h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + 1)).toHaveLength(1);
    expect(h.run({ kind: 'ack', incidentId: 1, actor: 'bob' }, T0 + 2)).toEqual([]);
    h.run({ kind: 'resolve', incidentId: 1, actor: 'bob' }, T0 + 3);
    expect(h.incident(1)).toMatchObject({ status: 'resolved', resolvedBy: 'bob', resolveReason: 'manual' });
    expect(() => h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + 4)).toThrow(EngineError);
    expect(() => h.run({ kind: 'snooze', incidentId: 1, actor: 'alice', untilMs: T0 + MIN }, T0 + 4)).toThrow(/resolved/);
    expect(h.run({ kind: 'resolve', incidentId: 1, actor: 'alice' }, T0 + 5)).toEqual([]);
  });

  it('names a missing incident', () => {
    const h = new Harness();
    expect(() => h.run({ kind: 'ack', incidentId: 99, actor: 'a' }, T0)).toThrow(/no incident 99/);
  });

  it('snoozes until a time, then re-notifies by going back to triggered', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    h.run({ kind: 'snooze', incidentId: 1, actor: 'alice', untilMs: T0 + 15 * MIN }, T0);
    expect(h.incident(1)).toMatchObject({ status: 'acknowledged', snoozedUntil: new Date(T0 + 15 * MIN).toISOString() });
    expect(h.run({ kind: 'tick' }, T0 + 14 * MIN)).toEqual([]);
    const events = h.run({ kind: 'tick' }, T0 + 15 * MIN);
    expect(events.map((e) => e.type)).toEqual(['incident.retriggered']);
    expect(h.incident(1).status).toBe('triggered');
    expect(h.incident(1).snoozedUntil).toBeUndefined();
  });

  it('rejects a snooze that ends in the past', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    expect(() => h.run({ kind: 'snooze', incidentId: 1, actor: 'a', untilMs: T0 - 1 }, T0)).toThrow(/future/);
  });

  it('expires alerts Alertmanager stopped sending (silenced) and resolves the incident', () => {
    const h = new Harness({ ...DEFAULT_ENGINE_CONFIG, staleAlertAfterMs: 10 * MIN });
    h.run(ingest(batch([alert('a', 'firing'), alert('b', 'firing')])), T0);
    expect(h.run({ kind: 'tick' }, T0 + 9 * MIN)).toEqual([]);
    const events = h.run({ kind: 'tick' }, T0 + 10 * MIN);
    expect(events.map((e) => e.type)).toEqual(['alerts.expired', 'incident.resolved']);
    expect(h.incident(1)).toMatchObject({ status: 'resolved', resolveReason: 'expired', alertCounts: { firing: 0, resolved: 2 } });
  });

  it('does not expire alerts that are being refreshed, even when nothing changes', async () => {
    const { touchAlerts } = await import('../../shared/incidents/engine');
    const h = new Harness({ ...DEFAULT_ENGINE_CONFIG, staleAlertAfterMs: 10 * MIN });
    const b = batch([alert('a', 'firing')]);
    h.run(ingest(b), T0);
    touchAlerts(h.state, b.key, ['a'], T0 + 8 * MIN);
    expect(h.run({ kind: 'tick' }, T0 + 12 * MIN)).toEqual([]);
    expect(h.run({ kind: 'tick' }, T0 + 18 * MIN).map((e) => e.type)).toEqual(['alerts.expired', 'incident.resolved']);
  });

  it('never expires PagerDuty incidents, which have no refresh', () => {
    const h = new Harness({ ...DEFAULT_ENGINE_CONFIG, staleAlertAfterMs: MIN });
    h.run(ingest(batch([alert('k', 'firing')], 'pagerduty:admin:k', 'pagerduty')), T0);
    expect(h.run({ kind: 'tick' }, T0 + 60 * MIN)).toEqual([]);
  });

  it('resolve-key ends the alerts and the incident; acknowledge-key acknowledges it', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('k', 'firing')], 'pagerduty:admin:k', 'pagerduty')), T0);
    h.run({ kind: 'acknowledge-key', key: 'pagerduty:admin:k', actor: 'pd' }, T0 + 1);
    expect(h.incident(1).status).toBe('acknowledged');
    const events = h.run({ kind: 'resolve-key', key: 'pagerduty:admin:k', actor: 'pd' }, T0 + 2);
    expect(events.map((e) => e.type)).toEqual(['alerts.upserted', 'incident.resolved']);
    expect(h.incident(1)).toMatchObject({ status: 'resolved', alertCounts: { firing: 0, resolved: 1 } });
    expect(h.run({ kind: 'resolve-key', key: 'pagerduty:admin:k', actor: 'pd' }, T0 + 3)).toEqual([]);
  });

  it('keeps a timeline of what happened and who did it', () => {
    const h = new Harness();
    h.run(ingest(batch([alert('a', 'firing')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    h.run({ kind: 'resolve', incidentId: 1, actor: 'bob' }, T0 + 2 * MIN);
    const timeline = h.state.incidents.get(1)?.timeline ?? [];
    expect(timeline.map((t) => [t.actor, t.text])).toEqual([
      ['alertmanager/test', 'Opened (warning): X is broken'],
      ['alertmanager/test', 'Alert firing: alert a'],
      ['alice', 'Acknowledged by alice'],
      ['bob', 'Resolved by bob'],
    ]);
  });

  it('rebuilds the same state from the log (the projection is a pure fold)', () => {
    const h = new Harness({ ...DEFAULT_ENGINE_CONFIG, staleAlertAfterMs: 10 * MIN });
    h.run(ingest(batch([alert('a', 'firing'), alert('b', 'firing', 'error')])), T0);
    h.run({ kind: 'ack', incidentId: 1, actor: 'alice' }, T0 + MIN);
    h.run(ingest(batch([alert('x', 'firing')], 'other')), T0 + 2 * MIN);
    h.run({ kind: 'snooze', incidentId: 2, actor: 'bob', untilMs: T0 + 5 * MIN }, T0 + 3 * MIN);
    h.run({ kind: 'tick' }, T0 + 20 * MIN);
    const replayed = createEngineState();
    for (const e of h.log) apply(replayed, e, h.config);
    const summaries = (s: EngineState) => [...s.incidents.values()].map(toSummary);
    expect(summaries(replayed)).toEqual(summaries(h.state));
    expect(replayed.nextId).toBe(h.state.nextId);
  });
});
