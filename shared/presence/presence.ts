/**
 * Presence from local signals only — system idle time, screen lock, and (when paired)
 * "my AirPods" in-ear — as a small state machine with hysteresis, so a glance away
 * is not "away" and a quick lock/unlock does not flap. Pure: the caller supplies
 * the signals and the clock (electron/main samples powerMonitor; tests use numbers).
 *
 * Derived output only: present / away / unknown and since when. Never the signals.
 */
import { z } from 'zod';

export const presenceStateSchema = z.enum(['present', 'away', 'unknown']);
export type PresenceState = z.infer<typeof presenceStateSchema>;

export const presenceOptionsSchema = z
  .object({
    /** No keyboard or mouse input for this long (and no AirPods in) → away. */
    awayAfterIdleSeconds: z.number().int().min(30).max(86_400).default(300),
    /** A locked screen counts as away once it has stayed locked this long (a quick lock/unlock does not). */
    lockGraceSeconds: z.number().int().min(0).max(3_600).default(30),
    /** Signals must say "present" this long before away → present (a bumped mouse does not). */
    returnConfirmSeconds: z.number().int().min(0).max(600).default(5),
    /** My paired AirPods in my ears count as present even without input (on a call, reading). */
    inEarCountsAsPresent: z.boolean().default(true),
  })
  .strict();
export type PresenceOptions = z.infer<typeof presenceOptionsSchema>;

export interface PresenceSignals {
  /** Seconds since the last keyboard/mouse input; null where the platform cannot tell. */
  idleSeconds: number | null;
  /** Screen locked or session inactive; null when unknown. */
  locked: boolean | null;
  /** My paired AirPods: true in at least one ear, false out, null unknown (not paired, not seen, unsure). */
  myAirPodsInEar: boolean | null;
  /**
   * The machine is going to sleep (Electron's powerMonitor "suspend"): away at once, without the
   * lock's grace — nobody works on a sleeping laptop, and the next reading may come only after it
   * wakes. Absent where the platform does not say.
   */
  suspending?: boolean;
}

export interface Presence {
  state: PresenceState;
  /** When this state began (ms since the epoch). */
  since: number;
}

export class PresenceTracker {
  private readonly o: PresenceOptions;
  private current: Presence | null = null;
  private lockedSince: number | null = null;
  /** The current run of evidence (inputs, in-ear) with no gap over a minute: first and latest. */
  private streak: { first: number; last: number } | null = null;

  constructor(options: Partial<PresenceOptions> = {}) {
    this.o = presenceOptionsSchema.parse(options);
  }

  get value(): Presence | null {
    return this.current;
  }

  /** Feeds one reading of the signals; returns the presence, and whether it changed. */
  update(signals: PresenceSignals, now: number): { presence: Presence; changed: boolean } {
    const o = this.o;
    if (signals.locked === true) this.lockedSince ??= now;
    else this.lockedSince = null;

    // What the signals say right now, since when, and the latest evidence of someone here.
    const inputAt = signals.idleSeconds === null ? null : now - signals.idleSeconds * 1000;
    const recentInput = signals.idleSeconds !== null && signals.idleSeconds < o.awayAfterIdleSeconds;
    const inEar = o.inEarCountsAsPresent && signals.myAirPodsInEar === true;
    let raw: PresenceState;
    let rawSince = now;
    let evidenceAt = -Infinity;
    if (signals.suspending === true) {
      raw = 'away';
      rawSince = now;
    } else if (this.lockedSince !== null) {
      raw = now - this.lockedSince >= o.lockGraceSeconds * 1000 ? 'away' : (this.current?.state ?? 'unknown');
      rawSince = this.lockedSince;
    } else if (recentInput || inEar) {
      raw = 'present';
      rawSince = recentInput && inputAt !== null ? inputAt : now;
      evidenceAt = inEar ? now : (inputAt as number);
    } else if (inputAt !== null) {
      raw = 'away';
      rawSince = inputAt; // away since the last input, not since we noticed
    } else {
      raw = 'unknown';
    }

    if (raw !== 'present') this.streak = null;
    else if (!this.streak || evidenceAt - this.streak.last > 60_000) this.streak = { first: evidenceAt, last: evidenceAt };
    else this.streak.last = Math.max(this.streak.last, evidenceAt);

    const prev = this.current;
    let next: Presence;
    if (!prev) next = { state: raw, since: raw === 'present' ? now : rawSince };
    else if (raw === prev.state) next = prev;
    else if (raw === 'present' && prev.state === 'away') {
      // Coming back needs evidence spread over a few seconds (no gap over a minute): one bumped mouse is not a person.
      const streak = this.streak as { first: number; last: number };
      next = streak.last - streak.first >= o.returnConfirmSeconds * 1000 ? { state: 'present', since: streak.first } : prev;
    } else if (raw === 'away') next = { state: 'away', since: Math.max(rawSince, prev.since) };
    else next = { state: raw, since: now };

    const changed = !prev || prev.state !== next.state;
    this.current = next;
    return { presence: next, changed };
  }
}
