/**
 * The app side of presence: nothing leaves the device before consent is on record at
 * the hub; a change is published at once, an unchanged state refreshed every few
 * minutes; a hub without consent on record turns sharing off and says so; delete stops
 * sharing first. The Electron signals come from powerMonitor and *my* AirPods only.
 */
import { describe, expect, it } from 'vitest';
import { PresenceReporter, type PresenceHub } from '../../shared/presence/reporter';
import type { PresenceSignals } from '../../shared/presence/presence';
import { createPresenceSignals, myAirPodsInEar, type PowerMonitorLike } from '../../electron/main/presence-signals';

class FakeHub implements PresenceHub {
  calls: string[] = [];
  published: { state: string; since: string }[] = [];
  consented = false;
  failPublish: (Error & { code?: string }) | null = null;
  policy = async () => ({ retentionDays: 7, seenBy: ['Ana'], admins: false });
  consent = async () => void (this.calls.push('consent'), (this.consented = true));
  withdraw = async () => void (this.calls.push('withdraw'), (this.consented = false));
  deleteAll = async () => (this.calls.push('delete'), (this.consented = false), 4);
  publish = async (p: { state: string; since: string }) => {
    if (this.failPublish) throw this.failPublish;
    this.published.push(p);
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(sharing = false) {
  let now = Date.UTC(2026, 10, 21, 9, 0);
  let signals: PresenceSignals = { idleSeconds: 2, locked: false, myAirPodsInEar: null };
  const hub = new FakeHub();
  let connected: FakeHub | null = hub;
  const saved: boolean[] = [];
  const r = new PresenceReporter({
    read: () => signals,
    hub: () => connected,
    signals: () => ['idle', 'lock'],
    sharing,
    saveSharing: (on) => saved.push(on),
    now: () => now,
    thresholds: { awayAfterIdleSeconds: 300, lockGraceSeconds: 30, returnConfirmSeconds: 5 },
  });
  return {
    r,
    hub,
    saved,
    advance: (ms: number, s: Partial<PresenceSignals> = {}) => {
      now += ms;
      signals = { ...signals, ...s };
      r.tick();
    },
    disconnect: () => (connected = null),
    reconnect: () => (connected = hub),
  };
}

describe('presence reporter', () => {
  it('publishes nothing while not sharing; consent first, then the state at once', async () => {
    const t = setup();
    t.advance(1_000);
    t.advance(400_000, { idleSeconds: 400 });
    await flush();
    expect(t.hub.published).toEqual([]);
    expect(t.r.view()).toMatchObject({ sharing: false, state: 'away' }); // derived locally, kept locally

    const view = await t.r.setSharing(true);
    await flush();
    expect(t.hub.calls).toEqual(['consent']);
    expect(view.sharing).toBe(true);
    expect(t.saved).toEqual([true]);
    expect(t.hub.published).toEqual([{ state: 'away', since: new Date(Date.UTC(2026, 10, 21, 9, 0) + 401_000 - 400_000).toISOString() }]);
  });

  it('a change is sent at once; the same state again only after the refresh period; a failed send is retried', async () => {
    const t = setup(true);
    t.advance(1_000);
    await flush();
    expect(t.hub.published.map((p) => p.state)).toEqual(['present']);
    t.advance(5_000);
    t.advance(5_000);
    await flush();
    expect(t.hub.published).toHaveLength(1);
    t.advance(300_000, { idleSeconds: 310 });
    await flush();
    expect(t.hub.published.map((p) => p.state)).toEqual(['present', 'away']);
    t.advance(5 * 60_000, { idleSeconds: 610 });
    await flush();
    expect(t.hub.published.map((p) => p.state)).toEqual(['present', 'away', 'away']); // refresh

    t.hub.failPublish = new Error('not connected to the hub');
    t.advance(60_000, { idleSeconds: 0, locked: false });
    t.advance(6_000, { idleSeconds: 1 }); // back: evidence over 5 s
    await flush();
    expect(t.r.view().error).toBe('could not publish presence: not connected to the hub');
    t.hub.failPublish = null;
    t.advance(5_000, { idleSeconds: 2 });
    await flush();
    expect(t.hub.published.at(-1)?.state).toBe('present');
    expect(t.r.view().error).toBeNull();
  });

  it('the hub has no consent on record: sharing turns off here and says why', async () => {
    const t = setup(true);
    t.hub.failPublish = Object.assign(new Error('"ana" has not turned presence sharing on'), { code: 'no_consent' });
    t.advance(1_000);
    await flush();
    expect(t.r.view()).toMatchObject({ sharing: false, error: 'the hub has no consent on record for you, so sharing is off; turn it on again to share' });
    expect(t.saved).toEqual([false]);
  });

  it('stop: stops at once even when the hub cannot be told; turning on needs the hub', async () => {
    const t = setup(true);
    t.disconnect();
    expect((await t.r.setSharing(false)).sharing).toBe(false);
    t.advance(1_000);
    await flush();
    expect(t.hub.published).toEqual([]);
    const on = await t.r.setSharing(true);
    expect(on).toMatchObject({ sharing: false, error: 'not connected to the hub: presence sharing stays off' });
    t.reconnect();
    await t.r.setSharing(true);
    await t.r.setSharing(false);
    expect(t.hub.calls).toEqual(['consent', 'withdraw']);
  });

  it('delete: sharing off first, everything deleted at the hub, the count returned', async () => {
    const t = setup(true);
    t.advance(1_000);
    const { deleted, view } = await t.r.deleteMyData();
    expect(deleted).toBe(4);
    expect(view.sharing).toBe(false);
    expect(t.hub.calls).toEqual(['delete']);
    const before = t.hub.published.length;
    t.advance(400_000, { idleSeconds: 400 });
    await flush();
    expect(t.hub.published).toHaveLength(before);
  });

  it('current() fetches the hub policy for the consent screen', async () => {
    const t = setup();
    expect(t.r.view().policy).toBeNull();
    expect((await t.r.current()).policy).toEqual({ retentionDays: 7, seenBy: ['Ana'], admins: false });
  });
});

describe('presence signals in the desktop app', () => {
  function power() {
    const handlers = new Map<string, () => void>();
    const pm = {
      idle: 12,
      state: 'active' as ReturnType<PowerMonitorLike['getSystemIdleState']>,
      getSystemIdleTime: () => pm.idle,
      getSystemIdleState: () => pm.state,
      on: (e: string, l: () => void) => handlers.set(e, l),
      emit: (e: string) => handlers.get(e)?.(),
    };
    return pm;
  }

  it('idle time and lock from powerMonitor (events and idle state); unknown idle where the platform cannot tell', () => {
    const pm = power();
    const events: boolean[] = [];
    const read = createPresenceSignals(pm, () => undefined, () => events.push(read().locked === true));
    expect(read()).toEqual({ idleSeconds: 12, locked: false, myAirPodsInEar: null, suspending: false });
    pm.emit('lock-screen');
    expect(read().locked).toBe(true);
    pm.emit('unlock-screen');
    expect(read().locked).toBe(false);
    pm.emit('suspend');
    expect(read()).toMatchObject({ locked: true, suspending: true });
    pm.emit('resume');
    expect(read().suspending).toBe(false);
    // Each event is told at once, after the signals took it in.
    expect(events).toEqual([true, false, true, false]);
    pm.state = 'locked';
    expect(read().locked).toBe(true);
    pm.state = 'unknown';
    expect(read()).toEqual({ idleSeconds: null, locked: false, myAirPodsInEar: null, suspending: false });
  });

  it('going to sleep publishes "away" at once, not at the next tick (which comes after waking)', async () => {
    const pm = power();
    const hub = new FakeHub();
    let now = Date.UTC(2026, 10, 21, 9, 0);
    const reporter: PresenceReporter = new PresenceReporter({
      read: createPresenceSignals(pm, () => undefined, () => reporter.tick()),
      hub: () => hub,
      signals: () => ['idle', 'lock'],
      sharing: true,
      saveSharing: () => undefined,
      now: () => now,
      thresholds: { awayAfterIdleSeconds: 300, lockGraceSeconds: 30, returnConfirmSeconds: 5 },
    });
    pm.idle = 1;
    reporter.tick();
    await flush();
    expect(hub.published.map((p) => p.state)).toEqual(['present']);
    now += 2_000;
    pm.emit('suspend'); // no tick in between
    await flush();
    expect(hub.published.map((p) => p.state)).toEqual(['present', 'away']);
    expect(hub.published[1]!.since).toBe(new Date(now).toISOString());
  });

  it('only my tracked AirPods count; in one ear is in; no ear detection or not tracking is unknown', () => {
    const pod = (inEar: boolean) => ({ battery: 80, charging: false, inEar });
    const base = { bluetooth: 'scanning' as const, nearby: [], model: 'AirPods Pro 2' };
    expect(myAirPodsInEar({ ...base, state: 'tracking', left: pod(true), right: pod(false) })).toBe(true);
    expect(myAirPodsInEar({ ...base, state: 'tracking', left: pod(false), right: pod(false) })).toBe(false);
    expect(myAirPodsInEar({ ...base, state: 'tracking', single: { battery: 50, charging: false } })).toBeNull();
    expect(myAirPodsInEar({ ...base, state: 'not-sure', left: pod(true), right: pod(true) })).toBeNull();
    // Unpaired: someone else's AirPods nearby never count.
    expect(myAirPodsInEar({ ...base, state: 'unpaired', nearby: [{ address: 'x', model: 'AirPods Pro 2', color: 0, rssi: -40, lastSeen: 0, summary: 'in ear' }] })).toBeNull();
    expect(myAirPodsInEar(undefined)).toBeNull();
  });
});
