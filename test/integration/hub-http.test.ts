import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';

let t: TestHub;
afterEach(() => t?.close());

const noAuth = { authorization: '' };

describe('hub HTTP: auth', () => {
  it('serves /healthz without a token and everything else only with one', async () => {
    t = await startTestHub();
    expect((await t.get('/healthz', noAuth)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/metrics'],
      ['GET', '/api/v1/incidents'],
      ['POST', '/api/v1/ingest/alertmanager'],
      ['POST', '/api/v1/ingest/grafana'],
      ['POST', '/api/v1/ingest/generic'],
      ['POST', '/api/v1/incidents/1/ack'],
    ] as const) {
      const res = method === 'GET' ? await t.get(path, noAuth) : await t.post(path, {}, noAuth);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="earshot"');
    }
    expect((await t.get('/api/v1/incidents', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
  });

  it('accepts Basic auth with the token as the password (what Alertmanager basic_auth sends)', async () => {
    t = await startTestHub();
    const basic = Buffer.from(`alertmanager:${TEST_TOKEN}`).toString('base64');
    expect((await t.get('/api/v1/incidents', { authorization: `Basic ${basic}` })).status).toBe(200);
    const wrong = Buffer.from(`alertmanager:nope`).toString('base64');
    expect((await t.get('/api/v1/incidents', { authorization: `Basic ${wrong}` })).status).toBe(401);
  });

  it('takes the PagerDuty routing_key as the credential on /v2/enqueue', async () => {
    t = await startTestHub();
    const event = { event_action: 'trigger', payload: { summary: 's', source: 'x', severity: 'info' } };
    const ok = await t.post('/v2/enqueue', { ...event, routing_key: TEST_TOKEN }, noAuth);
    expect(ok.status).toBe(202);
    const bad = await t.post('/v2/enqueue', { ...event, routing_key: 'not-a-known-key-at-all' }, noAuth);
    expect(bad.status).toBe(401);
  });
});

describe('hub HTTP: limits and errors', () => {
  it('refuses a body over the limit with 413', async () => {
    t = await startTestHub({ limits: { maxBodyBytes: 2_000 } });
    const big = amWebhook([{ fp: 'x', status: 'firing', summary: 'y'.repeat(5_000) }]);
    const res = await t.post('/api/v1/ingest/alertmanager', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('refuses a chunked body that grows past the limit with 413', async () => {
    t = await startTestHub({ limits: { maxBodyBytes: 2_000 } });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/ingest/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(500));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('rate-limits a sender with 429 and Retry-After, without touching other senders', async () => {
    t = await startTestHub({ limits: { ratePerSecond: 1, burst: 3 }, tokens: [{ name: 'admin', token: TEST_TOKEN }, { name: 'other', token: 'other-token-0123456789' }] });
    const body = amWebhook([{ fp: 'x', status: 'firing' }]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.post('/api/v1/ingest/alertmanager', body)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const limited = await t.post('/api/v1/ingest/alertmanager', body);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await t.post('/api/v1/ingest/alertmanager', body, { authorization: 'Bearer other-token-0123456789' })).status).toBe(200);
  });

  it('answers malformed JSON and invalid payloads with 400 naming the field', async () => {
    t = await startTestHub();
    const notJson = await t.post('/api/v1/ingest/alertmanager', '{"version": "4",');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    const bad = amWebhook([{ fp: 'x', status: 'firing' }]);
    (bad['alerts'] as Record<string, unknown>[])[0]!['startsAt'] = 12;
    const res = await t.post('/api/v1/ingest/alertmanager', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([expect.stringMatching(/^alerts\[0\]\.startsAt: /)]);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    t = await startTestHub();
    expect((await t.get('/api/v1/nothing')).status).toBe(404);
    const res = await t.get('/api/v1/ingest/alertmanager');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('keeps serving after a flood of hostile bodies', async () => {
    t = await startTestHub();
    const hostile = ['null', '[]', '"x"', '{"__proto__":{"x":1}}', '{"version":"4","alerts":{"length":1e9}}', '\u0000\u0001', '{'.repeat(10_000), JSON.stringify({ version: '4', alerts: Array(20_000).fill({}) })];
    for (const body of hostile) {
      const res = await t.post('/api/v1/ingest/alertmanager', body);
      expect(res.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
    }
    expect((await t.get('/healthz')).status).toBe(200);
  });
});

describe('hub HTTP: ingest semantics', () => {
  it('Alertmanager: the same POST twice changes nothing; the resolved group resolves the incident', async () => {
    t = await startTestHub();
    const firing = amWebhook([{ fp: 'a', status: 'firing' }, { fp: 'b', status: 'firing', severity: 'warning' }]);
    const first = await t.post('/api/v1/ingest/alertmanager', firing);
    expect(first.body).toMatchObject({ status: 'ok', incidentId: 1, incidentStatus: 'triggered', events: 2 });
    const again = await t.post('/api/v1/ingest/alertmanager', firing);
    expect(again.body).toMatchObject({ incidentId: 1, events: 0 });
    const seqBefore = (await t.get('/healthz')).body.seq;
    await t.post('/api/v1/ingest/alertmanager', firing);
    expect((await t.get('/healthz')).body.seq).toBe(seqBefore);

    const resolved = await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'resolved' }, { fp: 'b', status: 'resolved', severity: 'warning' }]));
    expect(resolved.body).toMatchObject({ incidentId: 1, incidentStatus: 'resolved' });
    const detail = await t.get('/api/v1/incidents/1');
    expect(detail.body.incident).toMatchObject({ status: 'resolved', resolveReason: 'sender', severity: 'critical' });
    expect(detail.body.incident.alerts).toHaveLength(2);
  });

  it('Grafana: verifies the HMAC signature when a secret is configured', async () => {
    t = await startTestHub({ grafana: { hmacSecret: 'grafana-secret' } });
    const body = JSON.stringify({ ...amWebhook([{ fp: 'g', status: 'firing' }], 'Latency'), version: '1', orgId: 1 });
    const sig = createHmac('sha256', 'grafana-secret').update(body).digest('hex');
    expect((await t.post('/api/v1/ingest/grafana', body)).status).toBe(401);
    expect((await t.post('/api/v1/ingest/grafana', body, { 'x-grafana-alerting-signature': 'ab'.repeat(32) })).body.error.code).toBe('bad_signature');
    const ok = await t.post('/api/v1/ingest/grafana', body, { 'x-grafana-alerting-signature': sig });
    expect(ok.status).toBe(200);
    expect(ok.body.incidentId).toBe(1);
  });

  it('PagerDuty: trigger, acknowledge, resolve by dedup_key; a trigger after resolve opens a new incident', async () => {
    t = await startTestHub();
    const send = (body: Record<string, unknown>) => t.post('/v2/enqueue', { routing_key: TEST_TOKEN, ...body }, noAuth);
    const trig = { event_action: 'trigger', dedup_key: 'db-down', payload: { summary: 'DB down', source: 'db-1', severity: 'critical' } };
    const r1 = await send(trig);
    expect(r1.status).toBe(202);
    expect(r1.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'db-down' });
    expect((await send(trig)).status).toBe(202); // deduplicated
    expect((await t.get('/api/v1/incidents')).body.incidents).toHaveLength(1);
    await send({ event_action: 'acknowledge', dedup_key: 'db-down' });
    expect((await t.get('/api/v1/incidents/1')).body.incident.status).toBe('acknowledged');
    await send({ event_action: 'resolve', dedup_key: 'db-down' });
    expect((await t.get('/api/v1/incidents/1')).body.incident.status).toBe('resolved');
    await send(trig);
    const list = (await t.get('/api/v1/incidents')).body.incidents;
    expect(list.map((i: { id: number; status: string }) => [i.id, i.status])).toEqual([
      [2, 'triggered'],
      [1, 'resolved'],
    ]);
    const generated = await send({ event_action: 'trigger', payload: { summary: 'no key', source: 'x', severity: 'info' } });
    expect(generated.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    const invalid = await send({ event_action: 'trigger', payload: { source: 'x', severity: 'info' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ status: 'invalid event', message: 'Event object is invalid', errors: [expect.stringMatching(/^payload\.summary: /)] });
  });

  it('generic: accepts the documented shape and resolves by dedupKey', async () => {
    t = await startTestHub();
    const r = await t.post('/api/v1/ingest/generic', { title: 'Nightly backup failed', severity: 'error', dedupKey: 'backup', labels: { host: 'db1' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ dedupKey: 'backup', incidentId: 1, incidentStatus: 'triggered' });
    const done = await t.post('/api/v1/ingest/generic', { title: 'Nightly backup failed', dedupKey: 'backup', status: 'resolved' });
    expect(done.body.incidentStatus).toBe('resolved');
  });
});

describe('hub HTTP: incident API', () => {
  it('lists by status, shows detail with alerts and timeline, and acks, snoozes and resolves with the actor named', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'One'));
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Two'));
    expect((await t.post('/api/v1/incidents/1/ack', { actor: 'alice' })).body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    const triggered = await t.get('/api/v1/incidents?status=triggered');
    expect(triggered.body.incidents.map((i: { id: number }) => i.id)).toEqual([2]);
    expect((await t.get('/api/v1/incidents?status=triggered,acknowledged')).body.incidents).toHaveLength(2);
    expect((await t.get('/api/v1/incidents?status=burning')).status).toBe(400);

    const snoozed = await t.post('/api/v1/incidents/2/snooze', { actor: 'bob', duration: '15m' });
    expect(snoozed.status).toBe(200);
    expect(Date.parse(snoozed.body.incident.snoozedUntil) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await t.post('/api/v1/incidents/2/snooze', { actor: 'bob', duration: 'soon' })).body.error.issues).toEqual([expect.stringMatching(/^duration: not a duration/)]);
    expect((await t.post('/api/v1/incidents/2/ack', {})).body.error.issues).toEqual([expect.stringMatching(/^actor: /)]);

    expect((await t.post('/api/v1/incidents/1/resolve', { actor: 'carol' })).body.incident).toMatchObject({ status: 'resolved', resolvedBy: 'carol' });
    expect((await t.post('/api/v1/incidents/1/ack', { actor: 'dave' })).status).toBe(409);
    expect((await t.post('/api/v1/incidents/99/ack', { actor: 'dave' })).status).toBe(404);

    const detail = (await t.get('/api/v1/incidents/1')).body.incident;
    expect(detail.alerts[0]).toMatchObject({ fingerprint: 'a', status: 'firing' });
    expect(detail.timeline.map((e: { text: string }) => e.text)).toEqual(['Opened (critical): One', 'Alert firing: One on a', 'Acknowledged by alice', 'Resolved by carol']);
    expect(detail.timeline[2].actor).toBe('alice');
  });

  it('exposes Prometheus metrics: ingest outcomes, incidents by state, stream clients, log size, latency histogram', async () => {
    t = await startTestHub();
    await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }]));
    await t.post('/api/v1/ingest/alertmanager', { version: 'nope' });
    const text: string = (await t.get('/metrics')).body;
    expect(text).toContain('earshot_ingest_requests_total{sender="alertmanager",outcome="accepted"} 1');
    expect(text).toContain('earshot_ingest_requests_total{sender="alertmanager",outcome="invalid"} 1');
    expect(text).toContain('earshot_incidents{status="triggered"} 1');
    expect(text).toContain('earshot_stream_clients 0');
    expect(text).toContain('earshot_event_log_events 2');
    expect(text).toMatch(/earshot_event_log_bytes \d+/);
    // Which bucket a request lands in depends on the machine; that it is counted does not.
    expect(text).toMatch(/earshot_http_request_duration_seconds_bucket\{le="\+Inf",route="ingest_alertmanager",method="POST",code="200"\} 1/);
    expect(text).toMatch(/earshot_http_request_duration_seconds_bucket\{le="0.005",route="ingest_alertmanager",method="POST",code="200"\} [01]/);
    // Node's process metrics, under their usual names: the hub's memory is worth watching.
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \S+$/m);
    // Each metric once, even with several hubs in one process (as here).
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(new Set(helps).size).toBe(helps.length);
  });
});

describe('hub HTTP: speech for web consoles', () => {
  it('synthesises text to WAV for an authenticated client, and validates the request', async () => {
    t = await startTestHub();
    const { findExecutable } = await import('../../electron/speech/engine');
    expect((await t.post('/api/v1/speech', { text: 'hi' }, noAuth)).status).toBe(401);
    expect((await t.post('/api/v1/speech', { text: '' })).body.error.issues).toEqual(['text: is empty']);
    expect((await t.post('/api/v1/speech', { text: 'x', ssml: true })).status).toBe(400);
    if (!findExecutable('espeak-ng') && !findExecutable('festival')) return;
    const res = await fetch(`${t.url}/api/v1/speech`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Critical. Disk almost full. Incident 42.' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(bytes.slice(0, 4)).toString('ascii')).toBe('RIFF');
  });

  it('says so when the hub machine has no speech engine', async () => {
    t = await startTestHub({ speech: { backend: 'say' } }); // macOS's say, absent here
    if (process.platform === 'darwin') return;
    const res = await t.post('/api/v1/speech', { text: 'hello' });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/no speech engine found/);
  });
});
