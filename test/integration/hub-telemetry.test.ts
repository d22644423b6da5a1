import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HubClient, type SocketLike } from '../../shared/hub-client/hub-client';
import { TEST_TOKEN, startTestHub, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

let t: TestHub;
afterEach(() => t?.close());

// A NAB series with one labelled anomaly window (rows 3374–3776; MIT, test/fixtures/nab/LICENSE.txt).
const rows = readFileSync(new URL('../fixtures/nab/ec2_cpu_utilization_ac20cd.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [ts, v] = l.split(',');
    return { ts: Date.parse(`${ts}Z`), value: Number(v) };
  });

describe('telemetry into the hub', () => {
  it('a NAB series streamed over the WebSocket opens exactly one incident near the labelled window, which resolves after', { timeout: 60_000 }, async () => {
    t = await startTestHub();
    const client = new HubClient({ url: t.url, token: TEST_TOKEN, socket: (u) => new WebSocket(u) as unknown as SocketLike });
    client.start();
    await new Promise<void>((resolve) => client.subscribe((s) => s.connection.status === 'live' && resolve()));
    for (let i = 0; i < rows.length; i += 200) {
      await client.publish('ec2-77', { kind: 'device_telemetry', samples: rows.slice(i, i + 200).map((r) => ({ metric: 'cpu_utilization', labels: { region: 'eu' }, ts: r.ts, value: r.value })) });
    }
    client.stop();
    const { incidents } = (await t.get('/api/v1/incidents?status=triggered,acknowledged,resolved')).body;
    expect(incidents).toHaveLength(1);
    const detail = (await t.get(`/api/v1/incidents/${incidents[0].id}`)).body.incident;
    expect(detail).toMatchObject({ source: 'earshot-anomaly', title: 'Unusual cpu_utilization on ec2-77', status: 'resolved', resolveReason: 'sender', commonLabels: { device: 'ec2-77', metric: 'cpu_utilization', region: 'eu' } });
    const opened = Date.parse(detail.alerts[0].startsAt);
    expect(opened).toBeGreaterThanOrEqual(rows[3374]!.ts);
    expect(opened).toBeLessThanOrEqual(rows[3776]!.ts);
    expect(detail.alerts[0].annotations).toMatchObject({ observed: expect.any(String), expected: expect.stringMatching(/ to /), score: expect.stringMatching(/^0\.9\d\d|1\.000/), why: expect.stringMatching(/^(values far|a value beyond|usual values)/) });
    expect(Date.parse(detail.resolvedAt)).toBeGreaterThan(opened); // resolved after the episode (in hub time)

    const { series } = (await t.get('/api/v1/telemetry?device=ec2-77&metric=cpu_utilization')).body;
    expect(series).toHaveLength(1);
    expect(series[0].samples).toHaveLength(3_600); // the last hour's worth is kept
    expect(series[0].samples.at(-1)[1]).toBe(rows.at(-1)!.value);
  });

  it('takes HTTP batches, validates them naming the field, and caps series per device', async () => {
    t = await startTestHub({ telemetry: { maxSeriesPerDevice: 2 } });
    const ok = await t.post('/api/v1/ingest/telemetry', { device: 'laptop-1', samples: [{ metric: 'cpu_percent', value: 12 }, { metric: 'mem_used_bytes', value: 8e9 }] });
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ accepted: 2, rejected: [] });
    const over = await t.post('/api/v1/ingest/telemetry', { device: 'laptop-1', samples: [{ metric: 'cpu_percent', value: 13 }, { metric: 'disk_used_bytes', value: 1 }] });
    expect(over.body).toEqual({ accepted: 1, rejected: ['samples[1]: device "laptop-1" already has 2 series; "disk_used_bytes" with these labels would be one more'] });
    const bad = await t.post('/api/v1/ingest/telemetry', { device: 'laptop 1', samples: [{ metric: '9cpu', value: 'high' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^device: /), expect.stringMatching(/^samples\[0\]\.metric: /), expect.stringMatching(/^samples\[0\]\.value: /)]));
    expect((await t.post('/api/v1/ingest/telemetry', { device: 'x', samples: [] })).status).toBe(400);
    expect((await t.get('/api/v1/telemetry?since=yesterday')).status).toBe(400);
    expect((await t.get('/api/v1/telemetry?device=laptop-1')).body.series.map((s: { metric: string }) => s.metric).sort()).toEqual(['cpu_percent', 'mem_used_bytes']);
  });

  it('rate-limits publications on the stream, sharing the credential\'s budget with HTTP', async () => {
    t = await startTestHub({ limits: { ratePerSecond: 0.5, burst: 2, maxBodyBytes: 1_048_576 } });
    const c = new TestStreamClient(t.url);
    await c.send({ type: 'hello', token: TEST_TOKEN });
    await c.waitFor('snapshot');
    const publish = async (id: string) => {
      await c.send({ type: 'publish', requestId: id, device: 'd1', publication: { kind: 'device_telemetry', samples: [{ metric: 'cpu_percent', value: 1 }] } } as never);
      return c.waitFor('reply', (m) => m.requestId === id);
    };
    expect(await publish('p1')).toMatchObject({ ok: true });
    expect(await publish('p2')).toMatchObject({ ok: true });
    expect(await publish('p3')).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/^too many publications from "admin"; retry after \d+ ms$/) } });
    const http = await t.post('/api/v1/ingest/telemetry', { device: 'd1', samples: [{ metric: 'cpu_percent', value: 2 }] });
    expect(http.status).toBe(429);
    expect(Number(http.headers.get('retry-after'))).toBeGreaterThan(0);
    c.close();
  });
});
