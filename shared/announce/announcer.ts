/**
 * The announcer: decides what to say, when, and what to stop saying. Pure logic
 * around an injected clock and speaker, fed with the hub's stream events.
 *
 * - A priority queue: confirmations, then critical, error, warning, info.
 * - Critical interrupts whatever is being said (an interrupted new-incident
 *   announcement goes back in the queue; repeats and notices are dropped).
 * - Unacknowledged critical incidents repeat every `repeatIntervalMs` until
 *   acknowledged, resolved or snoozed; those stop the repeat and any speech
 *   about the incident at once.
 * - New incidents (and due repeats) are gathered for `coalesceMs`; a storm of
 *   `stormThreshold` or more becomes one summary.
 * - Quiet hours, the pause switch and Do Not Disturb silence everything except
 *   the severities in `alwaysSpeak` (and confirmations of the user's own actions).
 */
import type { Severity } from '../incidents/severity';
import type { IncidentSummary } from '../incidents/types';
import type { IncidentEventMessage } from '../hub-client/hub-client';
import { DEFAULT_TEMPLATES, fillTemplate, phrase, phraseConfirmation, phraseStorm, type ConfirmationKind, type PhrasingTemplates } from './phrasing';

export type UtteranceKind = 'new' | 'repeat' | 'retriggered' | 'storm' | 'resolved' | 'acknowledged' | 'confirmation';

export interface Utterance {
  id: number;
  kind: UtteranceKind;
  text: string;
  /** Higher is more urgent. */
  priority: number;
  severity: Severity;
  /** The incident it is about (the top one for a storm). */
  incidentId?: number;
  incidentIds: number[];
  /** Asked for by the user ("repeat"): spoken even when paused or in quiet hours. */
  asked?: boolean;
}

export interface Speaker {
  /** Resolves when the utterance has been said, or was stopped. */
  speak(utterance: Utterance): Promise<void>;
  /** Stops the current utterance now. */
  stop(): void;
}

export interface AnnouncerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Minutes since local midnight, for quiet hours. */
  localMinutes(nowMs: number): number;
}

export interface AnnouncerSettings {
  paused: boolean;
  /** "HH:MM" local times; may wrap midnight. */
  quietHours: { start: string; end: string } | null;
  alwaysSpeak: Severity[];
  repeatIntervalMs: number;
  coalesceMs: number;
  stormThreshold: number;
  announceResolved: boolean;
  announceAcknowledged: boolean;
  templates: PhrasingTemplates & { repeat: string };
}

export const DEFAULT_ANNOUNCER_SETTINGS: AnnouncerSettings = {
  paused: false,
  quietHours: null,
  alwaysSpeak: ['critical'],
  repeatIntervalMs: 120_000,
  coalesceMs: 250,
  stormThreshold: 4,
  announceResolved: true,
  announceAcknowledged: true,
  templates: { ...DEFAULT_TEMPLATES, repeat: 'Still unacknowledged: {severity}. {title}. Incident {id}.' },
};

const PRIORITY: Record<Severity, number> = { critical: 3, error: 2, warning: 1, info: 0 };
const CONFIRMATION_PRIORITY = 4;


export class Announcer {
  private settings: AnnouncerSettings;
  private readonly incidents = new Map<number, IncidentSummary>();
  private queue: Utterance[] = [];
  private current: Utterance | undefined;
  private nextId = 1;
  private readonly repeats = new Map<number, unknown>();
  private gathering: { items: { incident: IncidentSummary; kind: 'new' | 'repeat' }[]; timer: unknown } | undefined;
  private last: Utterance | undefined;
  private readonly listeners = new Set<(current: Utterance | undefined) => void>();
  private readonly errorListeners = new Set<(error: unknown, utterance: Utterance) => void>();
  private stopped = false;
  /** When the hub escalates for this person: only incidents they are notified for are spoken. */
  private me: string | null = null;
  private readonly notifiedMe = new Set<number>();

  constructor(
    private readonly speaker: Speaker,
    private readonly clock: AnnouncerClock,
    settings: Partial<AnnouncerSettings> = {},
    /** Platform Do Not Disturb / Focus state, where it can be read. */
    private readonly doNotDisturb: () => boolean = () => false,
  ) {
    this.settings = { ...DEFAULT_ANNOUNCER_SETTINGS, ...settings };
  }

  updateSettings(patch: Partial<AnnouncerSettings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  /** What is being said now (for the UI and for holding the media keys). */
  get speaking(): Utterance | undefined {
    return this.current;
  }

  /** The last utterance that started, for "acknowledge what I just heard". */
  get lastAnnounced(): Utterance | undefined {
    return this.last;
  }

  get pending(): readonly Utterance[] {
    return this.queue;
  }

  onSpeakingChange(listener: (current: Utterance | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A speaker failure (engine missing, crashed): reported here, and the announcer goes on. */
  onError(listener: (error: unknown, utterance: Utterance) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Incidents already open when the app connects are known but not announced. */
  seed(incidents: Iterable<IncidentSummary>): void {
    for (const i of incidents) this.incidents.set(i.id, i);
  }

  /**
   * Routes announcements by escalation: with a person set, an incident is spoken when
   * the hub notifies that person for it (`incident.notified`), not when it opens, and
   * its acknowledgement and resolution only if they were notified. Null: everything.
   */
  routeTo(person: string | null): void {
    this.me = person;
  }

  onEvent(message: IncidentEventMessage): void {
    if (this.stopped) return;
    const { event, incident } = message;
    this.incidents.set(incident.id, incident);
    if (this.me !== null) {
      if (event.type === 'incident.notified') {
        if (!event.data.people.includes(this.me)) return;
        this.notifiedMe.add(incident.id);
        this.gather(incident, 'new');
        return;
      }
      if (event.type === 'incident.triggered' || event.type === 'incident.retriggered') return; // wait for the notification
      if (!this.notifiedMe.has(incident.id)) return;
      if (event.type === 'incident.resolved') this.notifiedMe.delete(incident.id);
    }
    switch (event.type) {
      case 'incident.triggered':
        this.gather(incident, 'new');
        return;
      case 'incident.retriggered':
        this.enqueue(this.utterance('retriggered', phrase('retriggered', incident, this.settings.templates), incident));
        this.scheduleRepeat(incident);
        return;
      case 'incident.acknowledged':
        this.silenceIncident(incident.id);
        if (this.settings.announceAcknowledged) this.enqueue(this.utterance('acknowledged', phrase('acknowledged', incident, this.settings.templates, event.actor), incident, 'info'));
        return;
      case 'incident.snoozed':
        this.silenceIncident(incident.id);
        return;
      case 'incident.resolved':
        this.silenceIncident(incident.id);
        if (this.settings.announceResolved) this.enqueue(this.utterance('resolved', phrase('resolved', incident, this.settings.templates), incident, 'info'));
        return;
      default:
        return;
    }
  }

  /** Free text (the `earshot say` command, tests of a setup): queued like any other utterance. */
  say(text: string, severity: Severity = 'info'): Promise<void> {
    const u: Utterance = { id: this.nextId++, kind: 'confirmation', text, priority: PRIORITY[severity], severity, incidentIds: [] };
    return new Promise((resolve) => {
      const off = this.onSpeakingChange((current) => {
        if (current === undefined && this.last?.id === u.id) {
          off();
          resolve();
        }
      });
      this.enqueue(u);
    });
  }

  /** Says an incident again now, as it would be announced ("repeat" by voice). */
  repeatIncident(incidentId: number): boolean {
    const incident = this.incidents.get(incidentId);
    if (!incident || this.stopped) return false;
    // Asked for: spoken even when paused or in quiet hours, like a confirmation — and still about the incident, so a command can follow.
    this.enqueue({ ...this.utterance('repeat', phrase('new', incident, this.settings.templates), incident), asked: true, priority: CONFIRMATION_PRIORITY });
    return true;
  }

  /** Spoken feedback for the user's own action ("Acknowledged."), or "Say again?". */
  confirm(kind: ConfirmationKind, incidentId?: number): void {
    const u: Utterance = { id: this.nextId++, kind: 'confirmation', text: phraseConfirmation(kind, incidentId), priority: CONFIRMATION_PRIORITY, severity: 'info', incidentIds: [] };
    this.enqueue(u);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.repeats.values()) this.clock.clearTimer(t);
    this.repeats.clear();
    if (this.gathering) this.clock.clearTimer(this.gathering.timer);
    this.gathering = undefined;
    this.queue = [];
    if (this.current) this.speaker.stop();
  }

  // ---- internals ----

  private utterance(kind: UtteranceKind, text: string, incident: IncidentSummary, severity: Severity = incident.severity): Utterance {
    return { id: this.nextId++, kind, text, priority: PRIORITY[severity], severity, incidentId: incident.id, incidentIds: [incident.id] };
  }

  private gather(incident: IncidentSummary, kind: 'new' | 'repeat'): void {
    if (!this.gathering) {
      this.gathering = { items: [], timer: this.clock.setTimer(() => this.flushGathered(), this.settings.coalesceMs) };
    }
    this.gathering.items.push({ incident, kind });
    if (incident.severity === 'critical') this.scheduleRepeat(incident);
  }

  private flushGathered(): void {
    const batch = this.gathering?.items ?? [];
    this.gathering = undefined;
    // An incident acknowledged while we were gathering is no longer news.
    const live = batch.filter(({ incident }) => this.incidents.get(incident.id)?.status === 'triggered');
    if (live.length === 0) return;
    if (live.length >= this.settings.stormThreshold) {
      const incidents = live.map((x) => x.incident);
      const severity = incidents.reduce<Severity>((best, i) => (PRIORITY[i.severity] > PRIORITY[best] ? i.severity : best), 'info');
      const top = [...incidents].sort((a, b) => PRIORITY[b.severity] - PRIORITY[a.severity] || b.id - a.id)[0] as IncidentSummary;
      this.enqueue({ id: this.nextId++, kind: 'storm', text: phraseStorm(incidents), priority: PRIORITY[severity], severity, incidentId: top.id, incidentIds: incidents.map((i) => i.id) });
      return;
    }
    for (const { incident, kind } of live) {
      this.enqueue(this.utterance(kind, fillTemplate(this.settings.templates[kind], incident), incident));
    }
  }

  private scheduleRepeat(incident: IncidentSummary): void {
    if (incident.severity !== 'critical') return;
    const existing = this.repeats.get(incident.id);
    if (existing !== undefined) this.clock.clearTimer(existing);
    this.repeats.set(
      incident.id,
      this.clock.setTimer(() => {
        this.repeats.delete(incident.id);
        const now = this.incidents.get(incident.id);
        if (now?.status === 'triggered') this.gather(now, 'repeat');
      }, this.settings.repeatIntervalMs),
    );
  }

  /** Acknowledged, snoozed or resolved: no more repeats, nothing queued, and stop talking about it now. */
  private silenceIncident(id: number): void {
    const t = this.repeats.get(id);
    if (t !== undefined) this.clock.clearTimer(t);
    this.repeats.delete(id);
    this.queue = this.queue.filter((u) => !(u.kind !== 'storm' && u.incidentIds.includes(id)));
    if (this.current && this.current.kind !== 'confirmation' && this.current.incidentIds.length === 1 && this.current.incidentId === id) {
      this.speaker.stop();
    }
  }

  private silenced(u: Utterance): boolean {
    if (u.kind === 'confirmation' || u.asked) return false;
    if (this.settings.alwaysSpeak.includes(u.severity)) return false;
    return this.settings.paused || this.inQuietHours() || this.doNotDisturb();
  }

  private inQuietHours(): boolean {
    const q = this.settings.quietHours;
    if (!q) return false;
    const minutes = this.clock.localMinutes(this.clock.now());
    const start = toMinutes(q.start);
    const end = toMinutes(q.end);
    return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  }

  private enqueue(u: Utterance): void {
    if (this.stopped || this.silenced(u)) return;
    this.queue.push(u);
    // Highest priority first; first come first within a priority.
    this.queue.sort((a, b) => b.priority - a.priority || a.id - b.id);
    const current = this.current;
    if (current && u.priority >= PRIORITY.critical && u.priority > current.priority) {
      if (current.kind === 'new') this.queue.push({ ...current, id: current.id }); // said again after
      this.queue.sort((a, b) => b.priority - a.priority || a.id - b.id);
      this.speaker.stop();
      return; // the speak() promise settles and pump() continues with the critical one
    }
    this.pump();
  }

  private pump(): void {
    if (this.current || this.stopped) return;
    let next = this.queue.shift();
    while (next && this.silenced(next)) next = this.queue.shift(); // settings may have changed while it waited
    if (!next) return;
    this.current = next;
    this.last = next;
    for (const l of this.listeners) l(next);
    void this.speaker
      .speak(next)
      .catch((err: unknown) => {
        for (const l of this.errorListeners) l(err, next); // a failed utterance must not stop the announcer
      })
      .then(() => {
        this.current = undefined;
        for (const l of this.listeners) l(undefined);
        this.pump();
      });
  }
}

function toMinutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return 0;
  return (Number(m[1]) % 24) * 60 + (Number(m[2]) % 60);
}
