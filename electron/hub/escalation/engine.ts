/**
 * Presence-aware escalation for one hub. Pure logic over an injected clock:
 * an incident notifies the first person in its escalation order; if nobody has
 * acknowledged it within `waitMinutes`, the next; up to `levels` notifications.
 * When the person whose turn it is is `away`, the wait is skipped and the next
 * person who is not away is notified at once. When everyone is away, everyone is
 * notified and the notification says so. Acknowledge or resolve stops it.
 * (`unknown` presence — people who never opted in — is never skipped.)
 */
import type { PresenceState } from '../../../shared/presence/presence';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface EscalationPolicy {
  /** Minutes to wait for an acknowledgement before the next person. */
  waitMinutes: number;
  /** How many notifications at most (the order repeats if longer than the rotation). */
  levels: number;
}

export type NotifyReason = 'first' | 'not acknowledged' | 'previous away' | 'nobody present';

export interface Notification {
  incidentId: number;
  level: number;
  people: string[];
  reason: NotifyReason;
  /** Who was skipped because they were away. */
  skipped: string[];
  at: number;
}

interface Running {
  order: string[];
  policy: EscalationPolicy;
  level: number;
  /** Position in `order` of the next person to consider. */
  cursor: number;
  timer: unknown;
  notified: Set<string>;
}

export class EscalationEngine {
  private readonly running = new Map<number, Running>();

  constructor(
    private readonly o: {
      clock: Clock;
      presence: (person: string) => PresenceState;
      notify: (n: Notification) => void;
    },
  ) {}

  /** Starts escalating an incident (a new trigger, or a re-trigger after resolve). */
  start(incidentId: number, order: readonly string[], policy: EscalationPolicy): void {
    this.stop(incidentId);
    if (order.length === 0 || policy.levels < 1) return;
    const run: Running = { order: [...order], policy, level: 0, cursor: 0, timer: undefined, notified: new Set() };
    this.running.set(incidentId, run);
    this.step(incidentId, run, 'first');
  }

  /**
   * Carries on an escalation that was under way when the hub stopped: `last` is the
   * latest notification on record. The next step comes when its wait would have
   * ended (at once if that is past); nothing already sent is sent again.
   */
  resume(incidentId: number, order: readonly string[], policy: EscalationPolicy, last: { level: number; people: readonly string[]; reason: string; at: number }): void {
    this.stop(incidentId);
    if (order.length === 0) return;
    const lastPerson = last.people[last.people.length - 1];
    const at = lastPerson === undefined ? -1 : order.indexOf(lastPerson);
    const run: Running = { order: [...order], policy, level: last.level, cursor: at >= 0 ? at + 1 : last.level, timer: undefined, notified: new Set(last.people) };
    // Everyone was woken, or the last level was reached: nothing further to schedule.
    if (last.reason === 'nobody present' || run.level >= policy.levels) return;
    this.running.set(incidentId, run);
    const wait = Math.max(0, last.at + policy.waitMinutes * 60_000 - this.o.clock.now());
    run.timer = this.o.clock.setTimeout(() => {
      if (this.running.get(incidentId) === run) this.step(incidentId, run, 'not acknowledged');
    }, wait);
  }

  /** Acknowledged or resolved: no one else is woken. */
  stop(incidentId: number): void {
    const run = this.running.get(incidentId);
    if (!run) return;
    this.o.clock.clearTimeout(run.timer);
    this.running.delete(incidentId);
  }

  /** Someone's presence changed: an incident waiting on a person who is now away moves on at once. */
  presenceChanged(person: string): void {
    if (this.o.presence(person) !== 'away') return;
    for (const [id, run] of [...this.running]) {
      const current = run.order[(run.cursor - 1 + run.order.length) % run.order.length];
      if (current === person && run.level < run.policy.levels) {
        this.o.clock.clearTimeout(run.timer);
        this.step(id, run, 'previous away', [person]);
      }
    }
  }

  /** Who is being notified for an incident (for announcement routing); empty when not escalating. */
  notifiedFor(incidentId: number): ReadonlySet<string> {
    return this.running.get(incidentId)?.notified ?? new Set();
  }

  isRunning(incidentId: number): boolean {
    return this.running.has(incidentId);
  }

  private step(incidentId: number, run: Running, reason: NotifyReason, awayNow: string[] = []): void {
    const n = run.order.length;
    const skipped: string[] = [...awayNow];
    let chosen: string | undefined;
    for (let tries = 0; tries < n; tries++) {
      const candidate = run.order[run.cursor % n] as string;
      run.cursor++;
      if (this.o.presence(candidate) === 'away') {
        if (!skipped.includes(candidate)) skipped.push(candidate);
      }
      else {
        chosen = candidate;
        break;
      }
    }
    run.level++;
    const at = this.o.clock.now();
    if (chosen === undefined) {
      // Everyone is away: wake everyone, say so, and stop (there is no one further to escalate to).
      for (const p of run.order) run.notified.add(p);
      this.o.notify({ incidentId, level: run.level, people: [...run.order], reason: 'nobody present', skipped, at });
      this.running.delete(incidentId);
      return;
    }
    run.notified.add(chosen);
    this.o.notify({ incidentId, level: run.level, people: [chosen], reason: skipped.length > 0 && reason === 'first' ? 'previous away' : reason, skipped, at });
    if (run.level >= run.policy.levels) {
      run.timer = undefined;
      return; // the last level: nothing further to schedule, but still "notified" for routing
    }
    run.timer = this.o.clock.setTimeout(() => {
      if (this.running.get(incidentId) === run) this.step(incidentId, run, 'not acknowledged');
    }, run.policy.waitMinutes * 60_000);
  }
}
