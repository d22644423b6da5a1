import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../shared/protocol/stream';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

let t: TestHub;
const clients: TestStreamClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.close();
});

function connect(url: string, headers: Record<string, string> = {}): TestStreamClient {
  const c = new TestStreamClient(url, headers);
  clients.push(c);
  return c;
}

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

describe('hub stream', () => {
  it('closes a client that says hello without a valid token', async () => {
    t = await startTestHub();
    const c = connect(t.url);
    await c.send({ type: 'hello', token: 'wrong-wrong-wrong-wrong' });
    expect(await c.waitClosed()).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'unauthorized: a valid token is required' });
  });

  it('closes a client that never says hello', async () => {
    t = await startTestHub({ stream: { helloTimeout: 200 } });
    const c = connect(t.url, auth);
    expect((await c.waitClosed()).code).toBe(CLOSE_CODES.helloTimeout);
  });

  it('authenticates by token in hello (browsers) or by header (Node clients)', async () => {
    t = await startTestHub();
    const browser = connect(t.url);
    await browser.send({ type: 'hello', token: TEST_TOKEN });
    await browser.waitFor('snapshot');
    const node = connect(t.url, auth);
    await node.send({ type: 'hello' });
    await node.waitFor('snapshot');
  });

  it('sends a snapshot, then every committed event with increasing seq and the incident as it stands', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'Before'));
    const c = connect(t.url, auth);
    await c.send({ type: 'hello' });
    const welcome = await c.waitFor('welcome');
    const snapshot = await c.waitFor('snapshot');
    expect(welcome.seq).toBe(2);
    expect(snapshot).toMatchObject({ seq: 2, incidents: [{ id: 1, title: 'Before', status: 'triggered' }] });
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'After'));
    const ev = await c.waitFor('event', (m) => m.seq === 4);
    expect(ev.event).toMatchObject({ type: 'alerts.upserted', incidentId: 2 });
    expect(ev.incident).toMatchObject({ id: 2, title: 'After', alertCounts: { firing: 1 } });
    expect(c.events().map((e) => e.seq)).toEqual([3, 4]);
  });

  it('carries out commands with a reply, and every client sees the change', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }]));
    const a = connect(t.url, auth);
    const b = connect(t.url, auth);
    await a.send({ type: 'hello' });
    await b.send({ type: 'hello' });
    await Promise.all([a.waitFor('snapshot'), b.waitFor('snapshot')]);
    await a.send({ type: 'command', requestId: 'r1', command: { action: 'ack', incidentId: 1, actor: 'alice' } });
    const reply = await a.waitFor('reply', (m) => m.requestId === 'r1');
    expect(reply).toMatchObject({ ok: true, incident: { status: 'acknowledged', acknowledgedBy: 'alice' } });
    const seen = await b.waitFor('event', (m) => m.event.type === 'incident.acknowledged');
    expect(seen.incident?.acknowledgedBy).toBe('alice');

    await a.send({ type: 'command', requestId: 'r2', command: { action: 'snooze', incidentId: 1, actor: 'alice', duration: '1h' } });
    expect((await a.waitFor('reply', (m) => m.requestId === 'r2')).incident?.snoozedUntil).toBeDefined();
    await a.send({ type: 'command', requestId: 'r3', command: { action: 'resolve', incidentId: 42, actor: 'alice' } });
    expect(await a.waitFor('reply', (m) => m.requestId === 'r3')).toMatchObject({ ok: false, error: { code: 'not_found', message: 'no incident 42' } });
  });

  it('answers bad frames with an error naming the problem, and keeps the connection', async () => {
    t = await startTestHub();
    const c = connect(t.url, auth);
    await c.send('not json');
    expect((await c.waitFor('error')).error.code).toBe('invalid_json');
    await c.send({ type: 'command', requestId: 'x', command: { action: 'ack', incidentId: -1 } } as never);
    const err = await c.waitFor('error', (m) => m.error.code === 'invalid_message');
    expect(err.error.message).toMatch(/command\.incidentId/);
    await c.send({ type: 'command', requestId: 'early', command: { action: 'ack', incidentId: 1, actor: 'a' } });
    expect(await c.waitFor('reply', (m) => m.requestId === 'early')).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await c.send({ type: 'hello' });
    await c.waitFor('snapshot');
    expect(c.closed).toBeUndefined();
  });

  it('replays exactly what a reconnecting client missed', async () => {
    t = await startTestHub();
    const first = connect(t.url, auth);
    await first.send({ type: 'hello' });
    await first.waitFor('snapshot');
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'One'));
    await first.waitFor('event', (m) => m.seq === 2);
    first.close();
    await first.waitClosed();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Two'));
    await t.post('/api/v1/incidents/1/ack', { actor: 'alice' });

    const again = connect(t.url, auth);
    await again.send({ type: 'hello', resumeFrom: 2 });
    expect(await again.waitFor('resume')).toEqual({ type: 'resume', fromSeq: 2, toSeq: 5 });
    await again.waitFor('event', (m) => m.seq === 5);
    expect(again.events().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(again.messages.some((m) => m.type === 'snapshot')).toBe(false);
  });

  it('sends a fresh snapshot to a client too far behind, or one that claims a future seq', async () => {
    t = await startTestHub({ stream: { replayEvents: 3 } });
    for (let i = 0; i < 4; i++) await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: `f${i}`, status: 'firing' }], `G${i}`));
    const behind = connect(t.url, auth);
    await behind.send({ type: 'hello', resumeFrom: 1 });
    expect((await behind.waitFor('snapshot')).incidents).toHaveLength(4);
    const future = connect(t.url, auth);
    await future.send({ type: 'hello', resumeFrom: 999 });
    expect((await future.waitFor('snapshot')).seq).toBe(8);
  });

  it('holds no more than stream.replayBytes of events for reconnecting clients: older gaps get a snapshot', async () => {
    t = await startTestHub({ stream: { replayEvents: 1_000, replayBytes: 40_000 } });
    const summary = 'x'.repeat(6_000);
    for (let i = 0; i < 10; i++) await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: `f${i}`, status: 'firing', summary }], `G${i}`));
    const held = t.hub.core.replayHeld;
    expect(held.bytes).toBeLessThanOrEqual(40_000);
    expect(held.events).toBeGreaterThan(1);
    expect(held.events).toBeLessThan(10); // the count alone would have kept all ten
    const metrics: string = (await t.get('/metrics')).body;
    expect(metrics).toContain(`earshot_replay_events ${held.events}`);
    expect(metrics).toContain(`earshot_replay_bytes ${held.bytes}`);
    // Behind what is held: a fresh snapshot. Within it: exactly the missed events.
    const behind = connect(t.url, auth);
    await behind.send({ type: 'hello', resumeFrom: 1 });
    expect((await behind.waitFor('snapshot')).incidents).toHaveLength(10);
    const last = t.hub.core.committedSeq;
    const near = connect(t.url, auth);
    await near.send({ type: 'hello', resumeFrom: last - 1 });
    expect(await near.waitFor('resume')).toEqual({ type: 'resume', fromSeq: last - 1, toSeq: last });
    await near.waitFor('event', (m) => m.seq === last);
    expect(near.events().map((e) => e.seq)).toEqual([last]);
  });

  it('resumes across a hub restart from the events on disk', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'One'));
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Two'));
    await t.hub.close();
    const { startTestHub: start } = await import('../helpers/hub');
    const dataDir = t.dataDir;
    t = await start({}, dataDir);
    const c = connect(t.url, auth);
    await c.send({ type: 'hello', resumeFrom: 2 });
    await c.waitFor('resume');
    await c.waitFor('event', (m) => m.seq === 4);
    expect(c.events().map((e) => e.seq)).toEqual([3, 4]);
  });

  it('sends heartbeats with the current seq', async () => {
    t = await startTestHub({ stream: { heartbeat: 100 } });
    const c = connect(t.url, auth);
    await c.send({ type: 'hello' });
    expect((await c.waitFor('heartbeat')).seq).toBe(0);
  });

  it('cuts off a client that stops reading, with a reason, while the others get every event', async () => {
    t = await startTestHub({ stream: { maxBufferedBytes: 256 * 1024 } });
    const slow = connect(t.url, auth);
    const fast = connect(t.url, auth);
    await slow.send({ type: 'hello' });
    await fast.send({ type: 'hello' });
    await Promise.all([slow.waitFor('snapshot'), fast.waitFor('snapshot')]);
    // The slow client's process stops reading its socket: the hub's send buffer for it grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const summary = 'x'.repeat(8_000);
    let lastSeq = 0;
    for (let i = 0; i < 150; i++) {
      const alerts = Array.from({ length: 10 }, (_, j) => ({ fp: `f${i}-${j}`, status: 'firing' as const, summary }));
      const res = await t.post('/api/v1/ingest/alertmanager', amWebhook(alerts, `G${i}`));
      expect(res.status).toBe(200);
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    lastSeq = (await t.get('/healthz')).body.seq;
    await fast.waitFor('event', (m) => m.seq === lastSeq, 20_000);
    expect(fast.events().map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const metrics: string = (await t.get('/metrics')).body;
    expect(metrics).toContain('earshot_stream_disconnects_total{reason="slow_consumer"} 1');
    expect(await slow.waitClosed(20_000)).toMatchObject({ code: CLOSE_CODES.slowConsumer, reason: expect.stringMatching(/slow consumer/) });
  });
});
