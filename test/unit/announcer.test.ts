import { describe, expect, it } from 'vitest';
import { Announcer, type AnnouncerClock, type AnnouncerSettings, type Speaker, type Utterance } from '../../shared/announce/announcer';
import type { IncidentSummary } from '../../shared/incidents/types';
import { runVoiceCommand } from '../../shared/voice/act';
import { summary } from '../helpers/fake-api';

class FakeClock implements AnnouncerClock {
  t = Date.UTC(2026, 10, 21, 12, 0);
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now() {
    return this.t;
  }
  setTimer(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  localMinutes(ms: number) {
    const d = new Date(ms);
    return d.getUTCHours() * 60 + d.getUTCMinutes();
  }
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Speaks until told `finish()`; records what was said and what was cut off. */
class FakeSpeaker implements Speaker {
  log: string[] = [];
  private pending: (() => void) | undefined;
  current: Utterance | undefined;
  speak(u: Utterance) {
    this.current = u;
    this.log.push(`say ${u.text}`);
    return new Promise<void>((resolve) => (this.pending = resolve));
  }
  stop() {
    if (!this.current) return;
    this.log.push(`stop ${this.current.text}`);
    this.end();
  }
  async finish() {
    this.end();
    await flush();
  }
  private end() {
    const p = this.pending;
    this.pending = undefined;
    this.current = undefined;
    p?.();
  }
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

function setup(settings: Partial<AnnouncerSettings> = {}, dnd = () => false) {
  const clock = new FakeClock();
  const speaker = new FakeSpeaker();
  const announcer = new Announcer(speaker, clock, settings, dnd);
  let seq = 0;
  const send = async (type: string, incident: IncidentSummary, actor = 'hub') => {
    seq++;
    announcer.onEvent({ type: 'event', seq, event: { seq, ts: new Date(clock.t).toISOString(), incidentId: incident.id, actor, type, data: {} } as never, incident });
    await flush();
  };
  return { clock, speaker, announcer, send };
}

const crit = (id: number, over: Partial<IncidentSummary> = {}) => summary(id, { severity: 'critical', title: `Database ${id} down`, ...over });
const warn = (id: number, over: Partial<IncidentSummary> = {}) => summary(id, { severity: 'warning', title: `Disk ${id} filling`, ...over });

describe('announcer', () => {
  it('announces a new incident within the coalescing window', async () => {
    const { clock, speaker, send } = setup();
    await send('incident.triggered', crit(42));
    expect(speaker.log).toEqual([]);
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Critical. Database 42 down. Incident 42.']);
  });

  it('lets lower priorities wait, and a critical interrupts what is being said', async () => {
    const { clock, speaker, send } = setup();
    await send('incident.triggered', warn(1));
    await clock.advance(250);
    await send('incident.triggered', summary(2, { severity: 'info', title: 'Backup done' }));
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Warning. Disk 1 filling. Incident 1.']); // info waits
    await send('incident.triggered', crit(3));
    await clock.advance(250);
    expect(speaker.log.slice(1)).toEqual(['stop Warning. Disk 1 filling. Incident 1.', 'say Critical. Database 3 down. Incident 3.']);
    await speaker.finish();
    expect(speaker.current?.text).toBe('Warning. Disk 1 filling. Incident 1.'); // the interrupted one is said again
    await speaker.finish();
    expect(speaker.current?.text).toBe('Info. Backup done. Incident 2.');
  });

  it('repeats an unacknowledged critical incident every two minutes until acknowledged', async () => {
    const { clock, speaker, send } = setup();
    const inc = crit(7);
    await send('incident.triggered', inc);
    await clock.advance(250);
    await speaker.finish();
    await clock.advance(120_000);
    expect(speaker.log.at(-1)).toBe('say Still unacknowledged: Critical. Database 7 down. Incident 7.');
    await speaker.finish();
    await clock.advance(120_000);
    expect(speaker.log.filter((l) => l.startsWith('say Still')).length).toBe(2);
    // Acknowledged while being repeated: speech stops at once, and no more repeats.
    await send('incident.acknowledged', { ...inc, status: 'acknowledged', acknowledgedBy: 'alice' }, 'alice');
    expect(speaker.log).toContain('stop Still unacknowledged: Critical. Database 7 down. Incident 7.');
    await speaker.finish(); // "acknowledged by alice"
    await clock.advance(600_000);
    expect(speaker.log.filter((l) => l.startsWith('say Still')).length).toBe(2);
    expect(speaker.log).toContain('say Incident 7 acknowledged by alice.');
  });

  it('stops repeating when resolved or snoozed, and drops queued speech about it', async () => {
    const { clock, speaker, send } = setup({ announceResolved: false });
    await send('incident.triggered', crit(1));
    await send('incident.triggered', crit(2));
    await clock.advance(250);
    expect(speaker.current?.incidentId).toBe(1);
    await send('incident.snoozed', crit(2, { status: 'acknowledged' }));
    await send('incident.resolved', crit(1, { status: 'resolved' }));
    expect(speaker.log).toEqual(['say Critical. Database 1 down. Incident 1.', 'stop Critical. Database 1 down. Incident 1.']);
    await clock.advance(600_000);
    expect(speaker.log).toHaveLength(2);
  });

  it('coalesces a storm into one summary', async () => {
    const { clock, speaker, send } = setup();
    for (let i = 1; i <= 12; i++) await send('incident.triggered', i <= 3 ? crit(i) : warn(i));
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Twelve new incidents, three critical. Top: Database 3 down.']);
    await speaker.finish();
    expect(speaker.current).toBeUndefined();
    // The three critical ones repeat; three is under the storm threshold, so one by one.
    await clock.advance(120_000);
    expect(speaker.log.at(-1)).toBe('say Still unacknowledged: Critical. Database 1 down. Incident 1.');
    await speaker.finish();
    expect(speaker.current?.incidentId).toBe(2);
  });

  it('does not announce what was acknowledged while it was being gathered', async () => {
    const { clock, speaker, send } = setup({ announceAcknowledged: false });
    await send('incident.triggered', crit(1));
    await send('incident.acknowledged', crit(1, { status: 'acknowledged' }));
    await clock.advance(250);
    expect(speaker.log).toEqual([]);
  });

  it('keeps quiet in quiet hours and when paused, except for what must always be spoken', async () => {
    const { clock, speaker, send, announcer } = setup({ quietHours: { start: '22:00', end: '07:00' } });
    clock.t = Date.UTC(2026, 10, 21, 23, 30);
    await send('incident.triggered', warn(1));
    await clock.advance(250);
    expect(speaker.log).toEqual([]);
    await send('incident.triggered', crit(2));
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Critical. Database 2 down. Incident 2.']);
    await speaker.finish();
    clock.t = Date.UTC(2026, 10, 21, 8, 0);
    announcer.updateSettings({ paused: true });
    await send('incident.triggered', warn(3));
    await clock.advance(250);
    expect(speaker.log).toHaveLength(1);
    announcer.updateSettings({ paused: false, alwaysSpeak: [] });
    announcer.updateSettings({ paused: true });
    await send('incident.triggered', crit(4));
    await clock.advance(250);
    expect(speaker.log).toHaveLength(1); // nothing is "always" now
    announcer.confirm('confirm-ack', 4);
    await flush();
    expect(speaker.log.at(-1)).toBe('say Acknowledged. Incident 4.'); // the user's own action is always confirmed
  });

  it('respects Do Not Disturb where the platform exposes it', async () => {
    let dnd = true;
    const { clock, speaker, send } = setup({}, () => dnd);
    await send('incident.triggered', warn(1));
    await clock.advance(250);
    expect(speaker.log).toEqual([]);
    dnd = false;
    await send('incident.triggered', warn(2));
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Warning. Disk 2 filling. Incident 2.']);
  });

  it('remembers what it last announced (for acknowledging by AirPods press)', async () => {
    const { clock, speaker, send, announcer } = setup();
    await send('incident.triggered', crit(9));
    await clock.advance(250);
    expect(announcer.lastAnnounced?.incidentId).toBe(9);
    await speaker.finish();
    expect(announcer.speaking).toBeUndefined();
    expect(announcer.lastAnnounced?.incidentId).toBe(9);
  });

  it('does not announce incidents that were already open when it started', async () => {
    const { clock, speaker, announcer, send } = setup();
    announcer.seed([crit(1)]);
    await send('incident.updated' as never, crit(1));
    await clock.advance(600_000);
    expect(speaker.log).toEqual([]);
  });
});

describe('announcer routed by escalation', () => {
  const notified = (people: string[]) => ({ team: 'db', level: 1, people, reason: 'first', skipped: [] });

  it('speaks an incident when its person is notified, not when it opens; ignores ones for others', async () => {
    const { clock, speaker, announcer } = setup();
    announcer.routeTo('bo');
    let seq = 0;
    const send = async (type: string, incident: IncidentSummary, data: unknown = {}) => {
      seq++;
      announcer.onEvent({ type: 'event', seq, event: { seq, ts: new Date(clock.t).toISOString(), incidentId: incident.id, actor: 'hub', type, data } as never, incident });
      await clock.advance(250);
    };
    await send('incident.triggered', crit(1));
    expect(speaker.log).toEqual([]); // opened: not yet for bo
    await send('incident.notified', crit(1), notified(['ana']));
    expect(speaker.log).toEqual([]); // for ana
    await send('incident.acknowledged', crit(1, { status: 'acknowledged' }));
    expect(speaker.log).toEqual([]); // bo never heard of it: no "acknowledged" either
    await send('incident.triggered', crit(2));
    await send('incident.notified', crit(2), notified(['bo']));
    expect(speaker.log).toEqual(['say Critical. Database 2 down. Incident 2.']);
    await speaker.finish();
    await send('incident.resolved', crit(2, { status: 'resolved' }));
    expect(speaker.log.at(-1)).toMatch(/^say .*resolved/i);
  });

  it('without a person, everything is spoken as before', async () => {
    const { clock, speaker, announcer, send } = setup();
    announcer.routeTo(null);
    await send('incident.triggered', crit(3));
    await clock.advance(250);
    expect(speaker.log).toEqual(['say Critical. Database 3 down. Incident 3.']);
  });
});

describe('a voice command: acts on the incident the window was about, then says so', () => {
  const incident = summary(42, { status: 'acknowledged' });
  function acting(refuse = false) {
    const { speaker, announcer, send, clock } = setup();
    const sent: unknown[] = [];
    const command = async (c: unknown) => {
      sent.push(c);
      if (refuse) throw new Error('hub: incident 42 is resolved');
      return incident;
    };
    return { speaker, sent, send, clock, deps: { command, announcer, actor: 'alice' } };
  }

  it('"acknowledge" acknowledges that incident at the hub as the user, then "Acknowledged. Incident 42."; snooze is for 15 minutes', async () => {
    const a = acting();
    await expect(runVoiceCommand('acknowledge', 42, a.deps)).resolves.toBe(incident);
    await flush();
    expect(a.sent).toEqual([{ action: 'ack', incidentId: 42, actor: 'alice' }]);
    expect(a.speaker.log).toEqual(['say Acknowledged. Incident 42.']);
    await a.speaker.finish();
    await runVoiceCommand('snooze', 42, a.deps);
    await flush();
    expect(a.sent.at(-1)).toEqual({ action: 'snooze', incidentId: 42, actor: 'alice', duration: '15m' });
    expect(a.speaker.log.at(-1)).toBe('say Snoozed for fifteen minutes. Incident 42.');
  });

  it('"Say again?" and "cancel" only speak; a refusal is spoken, then reported; with no incident nothing is sent', async () => {
    const a = acting();
    await runVoiceCommand('say-again', 42, a.deps);
    await flush();
    expect(a.speaker.log).toEqual(['say Say again?']);
    await a.speaker.finish();
    await runVoiceCommand('cancel', 42, a.deps);
    await flush();
    expect(a.speaker.log.at(-1)).toBe('say Cancelled.');
    await a.speaker.finish();
    await expect(runVoiceCommand('resolve', null, a.deps)).rejects.toThrow('"resolve" needs an incident: none was announced');
    await flush();
    expect(a.speaker.log.at(-1)).toBe('say No incident to act on.');
    expect(a.sent).toEqual([]);

    const refused = acting(true);
    await expect(runVoiceCommand('resolve', 42, refused.deps)).rejects.toThrow('hub: incident 42 is resolved');
    await flush();
    expect(refused.speaker.log).toEqual(['say Could not resolve incident 42.']);
  });

  it('"repeat" says the incident again, and nothing is sent; an incident it never announced is an error', async () => {
    const a = acting();
    await a.send('incident.triggered', summary(42, { severity: 'critical', title: 'Database 42 down' }));
    await a.clock.advance(250);
    await a.speaker.finish();
    expect(a.speaker.log).toEqual(['say Critical. Database 42 down. Incident 42.']);
    await runVoiceCommand('repeat', 42, a.deps);
    await flush();
    expect(a.speaker.log).toEqual(['say Critical. Database 42 down. Incident 42.', 'say Critical. Database 42 down. Incident 42.']);
    await expect(runVoiceCommand('repeat', 7, a.deps)).rejects.toThrow('incident 7 is not known here');
    expect(a.sent).toEqual([]);
  });
});
