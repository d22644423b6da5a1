import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HubClient, type HubClientSnapshot, type SocketLike } from '../../shared/hub-client/hub-client';
import { TEST_TOKEN, amWebhook, startTestHub, tempDir, type TestHub } from '../helpers/hub';

let t: TestHub;
const clients: HubClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await t?.close();
});

function client(url: string, token = TEST_TOKEN, extra: Partial<ConstructorParameters<typeof HubClient>[0]> = {}): HubClient {
  const c = new HubClient({ url, token, socket: (u) => new WebSocket(u) as unknown as SocketLike, baseDelayMs: 50, maxDelayMs: 200, ...extra });
  clients.push(c);
  return c;
}

function waitFor(c: HubClient, pred: (s: HubClientSnapshot) => boolean, timeoutMs = 10_000): Promise<HubClientSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; last state ${JSON.stringify(c.snapshot.connection)}`)), timeoutMs);
    const off = c.subscribe((s) => {
      if (pred(s)) {
        clearTimeout(timer);
        queueMicrotask(() => off()); // subscribe calls back at once, before `off` exists
        resolve(s);
      }
    });
  });
}

describe('HubClient against a real hub', () => {
  it('goes live with a snapshot, follows events, and carries out commands', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'Before'));
    const c = client(t.url);
    c.start();
    const live = await waitFor(c, (s) => s.connection.status === 'live');
    expect([...live.incidents.values()].map((i) => i.title)).toEqual(['Before']);
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'After'));
    await waitFor(c, (s) => s.incidents.size === 2);
    const acked = await c.command({ action: 'ack', incidentId: 2, actor: 'alice' });
    expect(acked).toMatchObject({ id: 2, status: 'acknowledged', acknowledgedBy: 'alice' });
    await waitFor(c, (s) => s.incidents.get(2)?.status === 'acknowledged');
    await expect(c.command({ action: 'resolve', incidentId: 99, actor: 'alice' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stops at auth-failed for a refused token, and recovers with a new one', async () => {
    t = await startTestHub();
    const c = client(t.url, 'wrong-token-wrong-token');
    c.start();
    const failed = await waitFor(c, (s) => s.connection.status === 'auth-failed');
    expect(failed.connection).toEqual({ status: 'auth-failed', reason: 'unauthorized: a valid token is required' });
    c.setToken(TEST_TOKEN);
    await waitFor(c, (s) => s.connection.status === 'live');
  });

  it('reconnects after the hub restarts and resumes: it learns what happened while it was away', async () => {
    const dataDir = tempDir();
    t = await startTestHub({}, dataDir);
    const port = Number(new URL(t.url).port);
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'One'));
    const c = client(t.url);
    const events: number[] = [];
    c.onEvent((e) => events.push(e.seq));
    c.start();
    await waitFor(c, (s) => s.connection.status === 'live');
    await t.hub.close();
    const down = await waitFor(c, (s) => s.connection.status === 'reconnecting');
    expect(down.stale).toBe(true);
    // While it is away, the hub changes (another process would; here a restart with new events).
    t = await startTestHub({ port }, dataDir);
    await t.post('/api/v1/incidents/1/ack', { actor: 'bob' });
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Two'));
    const back = await waitFor(c, (s) => s.connection.status === 'live' && s.incidents.size === 2 && s.seq === 5);
    expect(back.incidents.get(1)?.acknowledgedBy).toBe('bob');
    expect(events).toEqual([3, 4, 5]); // replayed exactly once, in order
  });

  it('rejects commands while not connected', async () => {
    t = await startTestHub();
    const c = client(t.url);
    await expect(c.command({ action: 'ack', incidentId: 1, actor: 'a' })).rejects.toMatchObject({ code: 'disconnected' });
  });
});

/** A scripted socket for timing and protocol edge cases. */
class ScriptedSocket implements SocketLike {
  static last: ScriptedSocket | undefined;
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor() {
    ScriptedSocket.last = this;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

describe('HubClient timing and protocol edges', () => {
  function scripted() {
    let now = 0;
    const timers: { at: number; fn: () => void; id: number }[] = [];
    let nextId = 1;
    const c = new HubClient({
      url: 'http://hub.invalid',
      token: 't'.repeat(20),
      socket: () => new ScriptedSocket(),
      now: () => now,
      setTimer: (fn, ms) => {
        const id = nextId++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimer: (id) => {
        const i = timers.findIndex((x) => x.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
      random: () => 0.5, // no jitter
      baseDelayMs: 500,
      maxDelayMs: 4_000,
      silenceTimeoutMs: 45_000,
    });
    clients.push(c);
    const advance = (ms: number) => {
      now += ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        due.fn();
      }
    };
    return { c, advance, now: () => now };
  }

  const snapshot = (seq: number) => ({ type: 'snapshot', seq, incidents: [] });

  it('backs off exponentially up to a cap, and resets after going live', () => {
    const { c, advance, now } = scripted();
    c.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      ScriptedSocket.last?.drop();
      const s = c.snapshot.connection;
      if (s.status !== 'reconnecting') throw new Error(s.status);
      delays.push(s.retryAt - now());
      advance(s.retryAt - now());
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    ScriptedSocket.last?.open();
    ScriptedSocket.last?.receive(snapshot(0));
    expect(c.snapshot.connection.status).toBe('live');
    ScriptedSocket.last?.drop();
    const s = c.snapshot.connection;
    expect(s.status === 'reconnecting' && s.retryAt - now()).toBe(500);
  });

  it('says hello with the last seq it applied, and starts over on a gap', () => {
    const { c } = scripted();
    c.start();
    const first = ScriptedSocket.last as ScriptedSocket;
    first.open();
    expect(first.sent[0]).toMatchObject({ type: 'hello', token: 't'.repeat(20) });
    expect(first.sent[0]).not.toHaveProperty('resumeFrom');
    first.receive(snapshot(7));
    first.drop();
    c.reconnectNow(); // after the retry, the hello resumes from 7
    const second = ScriptedSocket.last as ScriptedSocket;
    second.open();
    expect(second.sent[0]).toMatchObject({ type: 'hello', resumeFrom: 7 });
    second.receive({ type: 'resume', fromSeq: 7, toSeq: 9 });
    const incident = { id: 1, key: 'k', source: 'generic', status: 'triggered', severity: 'info', title: 'x', createdAt: 'a', updatedAt: 'a', alertCounts: { firing: 1, resolved: 0 }, groupLabels: {}, commonLabels: {}, truncatedAlerts: 0, links: [], lastSeq: 9 };
    const event = (seq: number) => ({ type: 'event', seq, event: { seq, ts: 'a', incidentId: 1, actor: 'x', type: 'incident.acknowledged', data: {} }, incident });
    second.receive(event(8));
    expect(c.snapshot.seq).toBe(8);
    second.receive(event(10)); // 9 is missing
    const third = ScriptedSocket.last as ScriptedSocket;
    expect(third).not.toBe(second);
    third.open();
    expect(third.sent[0]).not.toHaveProperty('resumeFrom'); // a fresh snapshot, not a resume
  });

  it('treats a silent connection as dead, even if TCP has not noticed', () => {
    const { c, advance } = scripted();
    c.start();
    ScriptedSocket.last?.open();
    ScriptedSocket.last?.receive(snapshot(0));
    advance(44_000);
    expect(c.snapshot.connection.status).toBe('live');
    ScriptedSocket.last?.receive({ type: 'heartbeat', seq: 0, serverTime: 'now' });
    advance(44_000);
    expect(c.snapshot.connection.status).toBe('live');
    advance(2_000);
    expect(c.snapshot.connection).toMatchObject({ status: 'reconnecting', reason: 'no data from the hub for too long' });
  });

  it('after the hub reports a reset, reconnects for a fresh snapshot', () => {
    const { c, advance } = scripted();
    c.start();
    ScriptedSocket.last?.open();
    ScriptedSocket.last?.receive(snapshot(5));
    ScriptedSocket.last?.drop(4009, 'hub state was reset; reconnect');
    advance(1_000);
    ScriptedSocket.last?.open();
    expect(ScriptedSocket.last?.sent[0]).not.toHaveProperty('resumeFrom');
  });
});

describe('publishing device state', () => {
  it('shares AirPods status as audio_metrics; the hub keeps the latest per device', async () => {
    t = await startTestHub();
    const c = client(t.url);
    c.start();
    await waitFor(c, (s) => s.connection.status === 'live');
    const data = { model: 'AirPods Pro 2 (USB-C)', state: 'tracking' as const, left: { battery: 90, charging: false, inEar: true }, right: { battery: 80, charging: true, inEar: false } };
    await c.publish('ana-mbp', { kind: 'audio_metrics', data });
    await c.publish('ana-mbp', { kind: 'audio_metrics', data: { ...data, left: { ...data.left, battery: 80 } } });
    const { devices } = (await t.get('/api/v1/devices')).body;
    expect(devices).toEqual([{ credential: 'admin', device: 'ana-mbp', kind: 'audio_metrics', data: { ...data, left: { ...data.left, battery: 80 } }, at: expect.any(String) }]);
    expect((await t.get('/api/v1/devices', { authorization: '' })).status).toBe(401);
  });

  it('refuses a malformed publication with an error naming the field, and keeps the connection', async () => {
    t = await startTestHub();
    const { TestStreamClient } = await import('../helpers/stream-client');
    const s = new TestStreamClient(t.url, { authorization: `Bearer ${TEST_TOKEN}` });
    await s.send({ type: 'hello' });
    await s.waitFor('snapshot');
    await s.send(JSON.stringify({ type: 'publish', requestId: 'p1', device: 'x', publication: { kind: 'audio_metrics', data: { model: 'AirPods', state: 'tracking', left: { battery: 900, charging: false, inEar: true }, address: 'aa:bb' } } }));
    const err = await s.waitFor('error');
    expect(err.error.message).toMatch(/publication\.data\.left\.battery/);
    expect(err.error.message).toMatch(/Unrecognized key: "address"/);
    expect((await t.get('/api/v1/devices')).body.devices).toEqual([]);
    s.close();
  });
});
