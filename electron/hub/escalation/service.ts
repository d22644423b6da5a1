/**
 * Escalation wired into the hub: a triggered (or re-triggered) incident that matches
 * a team starts that team's policy on its rotation's order right now; an
 * acknowledgement, snooze or resolve stops it; a person going away moves on at once.
 * Every notification is an `incident.notified` event, so it is in the incident's
 * timeline, the audit chain and every client's stream.
 */
import type { HubConfig } from '../config';
import type { HubCore } from '../hub-core';
import type { Logger } from '../log';
import type { PresenceService } from '../presence';
import { EscalationEngine, realClock, type Clock } from './engine';
import { onCallOrder } from './rotation';

type Team = HubConfig['teams'][number];

const START = new Set(['incident.triggered', 'incident.retriggered']);
const STOP = new Set(['incident.acknowledged', 'incident.snoozed', 'incident.resolved']);

export class EscalationService {
  private readonly engine: EscalationEngine;
  private readonly teamOf = new Map<number, string>();
  /** The people in each open incident's latest notification (its owners until someone acknowledges). */
  private readonly lastNotified = new Map<number, string[]>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly teams: readonly Team[],
    private readonly core: HubCore,
    presence: PresenceService,
    private readonly log: Logger,
    private readonly clock: Clock = realClock,
  ) {
    this.engine = new EscalationEngine({
      clock,
      presence: (person) => presence.stateOf(person),
      notify: (n) => {
        const team = this.teamOf.get(n.incidentId) ?? '?';
        this.lastNotified.set(n.incidentId, n.people);
        this.core
          .submit({ kind: 'record', incidentId: n.incidentId, actor: 'escalation', body: { type: 'incident.notified', data: { team, level: n.level, people: n.people, reason: n.reason, skipped: n.skipped } } })
          .catch((err: unknown) => this.log.error('could not record a notification', { err, incident: n.incidentId }));
      },
    });
    if (teams.length === 0) return; // nothing to do: not even a listener on the hot path
    this.offs.push(core.onBroadcast((b) => this.onEvent(b.type, b.incidentId)));
    this.offs.push(presence.onChange((person) => this.engine.presenceChanged(person)));
    this.recover();
  }

  /**
   * After a restart: every incident still waiting for someone carries on from its
   * latest notification on record; one whose trigger was committed but whose first
   * notification was not (the hub stopped in between) starts now.
   */
  private recover(): void {
    for (const summary of this.core.listIncidents({ statuses: new Set(['triggered']) })) {
      const incident = this.core.incident(summary.id);
      if (!incident) continue;
      const last = incident.escalation;
      const team = last ? this.teams.find((t) => t.id === last.team) : this.teamFor(incident.meta);
      if (!team) continue;
      this.teamOf.set(incident.id, team.id);
      const order = onCallOrder(team.rotation, this.clock.now());
      if (last) {
        this.lastNotified.set(incident.id, last.people);
        this.engine.resume(incident.id, order, team.escalation, last);
      } else this.engine.start(incident.id, order, team.escalation);
    }
  }

  private teamFor(meta: { commonLabels?: Record<string, string>; groupLabels?: Record<string, string> }): Team | undefined {
    const labels = { ...meta.commonLabels, ...meta.groupLabels };
    return this.teams.find((t) => Object.entries(t.match).every(([k, v]) => labels[k] === v));
  }

  /** Who was last notified for an incident (empty when it was never escalated). */
  ownersOf(incidentId: number): readonly string[] {
    return this.lastNotified.get(incidentId) ?? [];
  }

  private onEvent(type: string, incidentId: number): void {
    if (STOP.has(type)) {
      this.engine.stop(incidentId);
      this.teamOf.delete(incidentId);
      if (type === 'incident.resolved') this.lastNotified.delete(incidentId);
      return;
    }
    const incident = START.has(type) ? this.core.incident(incidentId) : undefined;
    if (!incident) return;
    const team = this.teamFor(incident.meta);
    if (!team) return;
    this.teamOf.set(incidentId, team.id);
    this.engine.start(incidentId, onCallOrder(team.rotation, this.clock.now()), team.escalation);
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    for (const id of [...this.teamOf.keys()]) this.engine.stop(id);
  }
}
