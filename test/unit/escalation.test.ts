import { describe, expect, it } from 'vitest';
import { EscalationEngine, type Notification } from '../../electron/hub/escalation/engine';
import { FakeClock } from '../helpers/fake-clock';
import { nextHandover, onCallOrder, rotationSchema } from '../../electron/hub/escalation/rotation';
import type { PresenceState } from '../../shared/presence/presence';

function setup(presence: Record<string, PresenceState> = {}) {
  const clock = new FakeClock();
  const sent: Notification[] = [];
  const engine = new EscalationEngine({ clock, presence: (p) => presence[p] ?? 'unknown', notify: (n) => sent.push(n) });
  return { clock, sent, engine, presence };
}
const MIN = 60_000;
const ORDER = ['ana', 'bo', 'cy'];

describe('escalation engine (fake clock)', () => {
  it('notifies the primary, then the next after N unacknowledged minutes, up to K levels', () => {
    const { clock, sent, engine } = setup();
    engine.start(7, ORDER, { waitMinutes: 5, levels: 4 });
    expect(sent.map((n) => [n.people, n.reason])).toEqual([[['ana'], 'first']]);
    clock.advance(5 * MIN - 1);
    expect(sent).toHaveLength(1); // not a moment early
    clock.advance(1);
    expect(sent.at(-1)).toMatchObject({ level: 2, people: ['bo'], reason: 'not acknowledged', at: clock.t });
    clock.advance(5 * MIN);
    clock.advance(5 * MIN); // the order repeats: level 4 is ana again
    expect(sent.map((n) => n.people[0])).toEqual(['ana', 'bo', 'cy', 'ana']);
    clock.advance(60 * MIN);
    expect(sent).toHaveLength(4); // K = 4 levels, then it stops
    expect(clock.pending).toBe(0);
    expect([...engine.notifiedFor(7)].sort()).toEqual(['ana', 'bo', 'cy']);
  });

  it('acknowledge stops it; so does resolve', () => {
    const { clock, sent, engine } = setup();
    engine.start(1, ORDER, { waitMinutes: 5, levels: 3 });
    engine.start(2, ORDER, { waitMinutes: 5, levels: 3 });
    clock.advance(3 * MIN);
    engine.stop(1); // acknowledged
    clock.advance(2 * MIN);
    engine.stop(2); // resolved after the second notification
    clock.advance(30 * MIN);
    expect(sent.map((n) => `${n.incidentId}:${n.people[0]}`)).toEqual(['1:ana', '2:ana', '2:bo']);
    expect(clock.pending).toBe(0);
    expect(engine.isRunning(1) || engine.isRunning(2)).toBe(false);
  });

  it('away skips the wait: the next present person is notified at once, and who was skipped is said', () => {
    const { sent, engine } = setup({ ana: 'away', bo: 'present' });
    engine.start(3, ORDER, { waitMinutes: 5, levels: 3 });
    expect(sent).toEqual([expect.objectContaining({ level: 1, people: ['bo'], reason: 'previous away', skipped: ['ana'] })]);
  });

  it('the person it is waiting on goes away: it moves on without waiting out the minutes', () => {
    const { clock, sent, engine, presence } = setup({ ana: 'present' });
    engine.start(4, ORDER, { waitMinutes: 15, levels: 3 });
    clock.advance(MIN);
    presence['ana'] = 'away';
    engine.presenceChanged('ana');
    expect(sent.at(-1)).toMatchObject({ people: ['bo'], reason: 'previous away', skipped: ['ana'], at: clock.t });
    presence['cy'] = 'away';
    engine.presenceChanged('cy'); // not the one it is waiting on: nothing happens
    expect(sent).toHaveLength(2);
  });

  it('nobody present: everyone is notified, and it says so', () => {
    const { clock, sent, engine } = setup({ ana: 'away', bo: 'away', cy: 'away' });
    engine.start(5, ORDER, { waitMinutes: 5, levels: 3 });
    expect(sent).toEqual([expect.objectContaining({ people: ORDER, reason: 'nobody present', skipped: ORDER })]);
    clock.advance(60 * MIN);
    expect(sent).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('unknown presence (never opted in) is not skipped', () => {
    const { sent, engine } = setup({ ana: 'unknown' });
    engine.start(6, ORDER, { waitMinutes: 5, levels: 2 });
    expect(sent[0]).toMatchObject({ people: ['ana'], reason: 'first', skipped: [] });
  });

  it('a re-trigger restarts from the primary, leaving no stray timers', () => {
    const { clock, sent, engine } = setup();
    engine.start(8, ORDER, { waitMinutes: 5, levels: 3 });
    clock.advance(5 * MIN);
    engine.start(8, ORDER, { waitMinutes: 5, levels: 3 });
    expect(clock.pending).toBe(1);
    expect(sent.map((n) => n.people[0])).toEqual(['ana', 'bo', 'ana']);
  });
});

describe('on-call rotation', () => {
  const r = rotationSchema.parse({ people: ['ana', 'bo', 'cy'], start: '2026-11-16T09:00:00Z', handoverHours: 168, overrides: [{ person: 'cy', from: '2026-11-21T00:00:00Z', to: '2026-11-22T00:00:00Z' }] });

  it('hands over weekly, in order, and wraps', () => {
    expect(onCallOrder(r, Date.parse('2026-11-17T12:00:00Z'))).toEqual(['ana', 'bo', 'cy']);
    expect(onCallOrder(r, Date.parse('2026-11-23T09:00:00Z'))).toEqual(['bo', 'cy', 'ana']); // hand-over instant
    expect(onCallOrder(r, Date.parse('2026-12-07T10:00:00Z'))).toEqual(['ana', 'bo', 'cy']);
    expect(onCallOrder(r, Date.parse('2026-11-10T10:00:00Z'))).toEqual(['cy', 'ana', 'bo']); // before start: the cycle backwards
    expect(nextHandover(r, Date.parse('2026-11-17T12:00:00Z'))).toBe(Date.parse('2026-11-23T09:00:00Z'));
  });

  it('an override takes the primary slot for its interval only', () => {
    expect(onCallOrder(r, Date.parse('2026-11-21T03:00:00Z'))).toEqual(['cy', 'ana', 'bo']);
    expect(onCallOrder(r, Date.parse('2026-11-22T00:00:00Z'))).toEqual(['ana', 'bo', 'cy']);
  });

  it('rejects a bad rotation, naming the field', () => {
    const bad = rotationSchema.safeParse({ people: ['ana'], start: 'monday', overrides: [{ person: 'zed', from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['start']));
    const bad2 = rotationSchema.safeParse({ people: ['ana'], start: '2026-11-16T09:00:00Z', overrides: [{ person: 'zed', from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' }] });
    expect(bad2.error?.issues.map((i) => i.path.join('.'))).toEqual(['overrides.0.person', 'overrides.0.to']);
  });
});
