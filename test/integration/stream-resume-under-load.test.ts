import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serverMessageSchema } from '../../shared/protocol/stream';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';

let t: TestHub;
afterEach(() => t?.close());

/**
 * One connection: hello (resuming from `lastSeq` when given), then events until
 * `quota` of them arrived (then the socket is dropped without a close handshake)
 * or `untilSeq` is reached.
 */
function session(url: string, lastSeq: number | undefined, quota: number, untilSeq: () => number | undefined, onEvent: (seq: number) => void) {
  return new Promise<{ lastSeq: number; snapshot: boolean }>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    let seq = lastSeq ?? 0;
    let got = 0;
    let snapshot = false;
    let done = false;
    // `ws` may still emit frames it had already read after terminate(): a client
    // that has left must not count them.
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(idle);
      ws.terminate();
      resolve({ lastSeq: seq, snapshot });
    };
    // Caught up with nothing more coming: end the session instead of waiting forever.
    const idle = setInterval(() => {
      const until = untilSeq();
      if (until !== undefined && seq >= until) finish();
    }, 20);
    ws.on('open', () => ws.send(JSON.stringify(lastSeq === undefined ? { type: 'hello' } : { type: 'hello', resumeFrom: lastSeq })));
    ws.on('message', (data) => {
      if (done) return;
      const m = serverMessageSchema.parse(JSON.parse(data.toString()));
      if (m.type === 'snapshot') {
        snapshot = true;
        seq = m.seq;
      }
      if (m.type !== 'event') return;
      onEvent(m.seq);
      seq = m.seq;
      got++;
      const until = untilSeq();
      if (got >= quota || (until !== undefined && seq >= until)) finish();
    });
    ws.on('error', reject);
    ws.on('close', finish);
  });
}

it('a client reconnecting 50+ times while alerts pour in sees every event exactly once', async () => {
  t = await startTestHub({ stream: { replayEvents: 100_000 }, limits: { ratePerSecond: 100_000, burst: 100_000 } });
  const POSTS = 1_200;
  let posted = 0;
  let finalSeq: number | undefined;
  const producer = (async () => {
    const worker = async (w: number) => {
      while (posted < POSTS) {
        const i = posted++;
        // Mix of new groups and updates to existing ones, so events carry varied incidents.
        const res = await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: `f${i}`, status: 'firing' }], `G${i % 97}-${w}`));
        expect(res.status).toBe(200);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    finalSeq = (await t.get('/healthz')).body.seq;
  })();

  const seen: number[] = [];
  let lastSeq: number | undefined;
  let reconnects = 0;
  let snapshots = 0;
  const first = await session(t.url, undefined, 1, () => finalSeq, (s) => seen.push(s));
  snapshots += first.snapshot ? 1 : 0;
  const start = seen[0] ?? 1;
  lastSeq = first.lastSeq;
  while (finalSeq === undefined || lastSeq < finalSeq) {
    const quota = 5 + Math.floor(Math.random() * 40);
    const r = await session(t.url, lastSeq, quota, () => finalSeq, (s) => seen.push(s));
    snapshots += r.snapshot ? 1 : 0;
    lastSeq = r.lastSeq;
    reconnects++;
    expect(reconnects).toBeLessThan(5_000);
  }
  await producer;

  expect(reconnects).toBeGreaterThanOrEqual(50);
  expect(snapshots).toBe(1); // only the very first connection
  const expected = Array.from({ length: (finalSeq as number) - start + 1 }, (_, i) => start + i);
  expect(new Set(seen).size).toBe(seen.length); // no duplicates
  expect(seen).toEqual(expected); // no gaps, in order
  console.log(`resume under load: ${reconnects} reconnects, ${seen.length} events, 0 gaps, 0 duplicates`);
});
