import { describe, expect, it } from 'vitest';
import { PresenceTracker, presenceOptionsSchema, type PresenceSignals } from '../../shared/presence/presence';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const s = (idleSeconds: number | null, over: Partial<PresenceSignals> = {}): PresenceSignals => ({ idleSeconds, locked: false, myAirPodsInEar: null, ...over });

/** Drives a tracker once a second through a list of [seconds, signals] readings; returns the states seen. */
function drive(t: PresenceTracker, readings: [number, PresenceSignals][]) {
  return readings.map(([sec, sig]) => t.update(sig, T0 + sec * 1000).presence);
}

describe('presence state machine', () => {
  it('idle: present while typing, away only past the threshold, backdated to the last input', () => {
    const t = new PresenceTracker({ awayAfterIdleSeconds: 300 });
    expect(t.update(s(0), T0).presence).toEqual({ state: 'present', since: T0 });
    expect(t.update(s(0), T0 + 60_000).changed).toBe(false);
    expect(t.update(s(299), T0 + 359_000).presence.state).toBe('present'); // a long read is not away
    const away = t.update(s(301), T0 + 361_000);
    expect(away).toEqual({ presence: { state: 'away', since: T0 + 60_000 }, changed: true }); // since the last input
    expect(t.update(s(400), T0 + 460_000).changed).toBe(false);
  });

  it('hysteresis on return: one bumped mouse is not a person; input over a few seconds is', () => {
    const t = new PresenceTracker({ awayAfterIdleSeconds: 300, returnConfirmSeconds: 5 });
    t.update(s(600), T0); // away
    // The cat touches the mouse at T0+10 s; nothing after.
    const bumped = drive(t, [[10, s(0)], [11, s(1)], [20, s(10)], [60, s(50)]]);
    expect(bumped.every((p) => p.state === 'away')).toBe(true);
    // Later, someone sits down and works: input at 400, 402, 405, 406.
    const back = drive(t, [[400, s(0)], [402, s(0)], [405, s(0)], [406, s(0)]]);
    expect(back.map((p) => p.state)).toEqual(['away', 'away', 'present', 'present']);
    expect(back[2]).toEqual({ state: 'present', since: T0 + 400_000 }); // since the first input of the return
  });

  it('lock: away after the grace period, since the lock; a quick lock/unlock never flaps', () => {
    const t = new PresenceTracker({ lockGraceSeconds: 30 });
    t.update(s(1), T0);
    const quick = drive(t, [[5, s(5, { locked: true })], [20, s(20, { locked: true })], [25, s(0)]]);
    expect(quick.map((p) => p.state)).toEqual(['present', 'present', 'present']);
    const long = drive(t, [[100, s(1, { locked: true })], [131, s(32, { locked: true })]]);
    expect(long.map((p) => p.state)).toEqual(['present', 'away']);
    expect(long[1]!.since).toBe(T0 + 100_000);
    // Unlocking and typing brings them back (after the return confirmation).
    const unlocked = drive(t, [[200, s(0)], [203, s(0)], [206, s(0)]]);
    expect(unlocked.map((p) => p.state)).toEqual(['away', 'away', 'present']);
  });

  it('going to sleep: away at once, without the lock\'s grace; after waking, back only on input as usual', () => {
    const t = new PresenceTracker({ lockGraceSeconds: 30, returnConfirmSeconds: 5 });
    t.update(s(1), T0);
    // The lid closes: the suspend event comes with the screen locked and input a second old.
    const asleep = t.update(s(1, { locked: true, suspending: true }), T0 + 2_000);
    expect(asleep).toEqual({ presence: { state: 'away', since: T0 + 2_000 }, changed: true });
    // An hour later it wakes (locked still), then the person unlocks and types.
    const woke = drive(t, [[3_602, s(3_600, { locked: true })], [3_620, s(0)], [3_623, s(0)], [3_626, s(0)]]);
    expect(woke.map((p) => p.state)).toEqual(['away', 'away', 'away', 'present']);
    expect(woke[3]).toEqual({ state: 'present', since: T0 + 3_620_000 });
  });

  it('my AirPods in-ear: present without input (on a call); taking them out and idling is away', () => {
    const t = new PresenceTracker({ awayAfterIdleSeconds: 300 });
    t.update(s(10), T0);
    const onCall = drive(t, [[600, s(610, { myAirPodsInEar: true })], [1200, s(1210, { myAirPodsInEar: true })]]);
    expect(onCall.map((p) => p.state)).toEqual(['present', 'present']);
    const out = t.update(s(1211, { myAirPodsInEar: false }), T0 + 1_201_000);
    expect(out.presence.state).toBe('away');
    // Unknown AirPods (not paired, or "not sure" which pair) never count.
    const t2 = new PresenceTracker();
    expect(t2.update(s(900, { myAirPodsInEar: null }), T0).presence.state).toBe('away');
    // In-ear can be switched off as a signal.
    const t3 = new PresenceTracker({ inEarCountsAsPresent: false });
    expect(t3.update(s(900, { myAirPodsInEar: true }), T0).presence.state).toBe('away');
  });

  it('unknown when the platform reports nothing, and back', () => {
    const t = new PresenceTracker();
    expect(t.update(s(null, { locked: null }), T0).presence).toEqual({ state: 'unknown', since: T0 });
    expect(t.update(s(3), T0 + 5_000).presence).toEqual({ state: 'present', since: T0 + 5_000 });
    expect(t.update(s(null, { locked: null }), T0 + 9_000)).toEqual({ presence: { state: 'unknown', since: T0 + 9_000 }, changed: true });
  });

  it('validates its thresholds, naming the field', () => {
    const r = presenceOptionsSchema.safeParse({ awayAfterIdleSeconds: 5, extra: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.') || i.code)).toEqual(expect.arrayContaining(['awayAfterIdleSeconds', 'unrecognized_keys']));
    expect(() => new PresenceTracker({ returnConfirmSeconds: -1 })).toThrow(/returnConfirmSeconds/);
  });
});
