/**
 * The hub's two helper threads: webhook decoding on a worker pool, and the event
 * log's writer (hash, insert, commit). Both must give exactly what the inline
 * path gives, survive a dying worker, and work from the built app too.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestContext } from '../../electron/hub/ingest/common';
import { DecodeFault, IngestDecoder, decodeThreadCount } from '../../electron/hub/ingest/decoder';
import { createLogger } from '../../electron/hub/log';
import { EventStore, verifyChain } from '../../electron/hub/store/event-store';
import type { EventDraft } from '../../shared/incidents/types';
import { ensureConsoleBuilt } from '../helpers/browser';
import { ROOT, waitForLine } from '../helpers/cli';
import { TEST_TOKEN, amWebhook, tempDir } from '../helpers/hub';

const ctx: IngestContext = { credential: 'admin', receivedAt: new Date('2026-11-21T10:00:00Z'), defaultSeverity: 'error' };
const log = createLogger('silent');
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function bigWebhook(alerts: number): Buffer {
  const body = amWebhook(Array.from({ length: alerts }, (_, i) => ({ fp: `fp-${i}`, status: 'firing' as const })));
  return Buffer.from(JSON.stringify(body));
}

describe('webhook decode workers', () => {
  it('decode exactly as the hub thread does, bad input included', async () => {
    const pool = await IngestDecoder.start(2, log);
    cleanup.push(() => pool.close());
    expect(pool.threads).toBe(2);
    const inline = IngestDecoder.inline(log);
    const bodies: [Parameters<IngestDecoder['decode']>[0], Buffer][] = [
      ['alertmanager', bigWebhook(300)], // own buffer: moved to the worker, not copied
      ['alertmanager', Buffer.from(JSON.stringify(amWebhook([{ fp: 'a', status: 'resolved' }])))],
      ['generic', Buffer.from('{"title":"Disk full","labels":{"zone":"b","host":"a"}}')],
      ['alertmanager', Buffer.from('{"version":"4","alerts":[{"status":"bogus"}]}')],
      ['grafana', Buffer.from('not json')],
      ['generic', Buffer.alloc(0)],
    ];
    for (const [sender, body] of bodies) {
      const expected = await inline.decode(sender, Buffer.from(body), ctx);
      expect(await pool.decode(sender, body, ctx)).toEqual(expected);
    }
    const bad = await pool.decode('alertmanager', Buffer.from('{"version":"4","alerts":[{"status":"bogus"}]}'), ctx);
    expect(bad).toMatchObject({ ok: false, status: 400, code: 'invalid_body' });
    expect(bad.ok ? [] : bad.issues.join(' ')).toMatch(/alerts\[0\]\.status/);
  });

  it('a worker that dies fails only its own requests (retryable), and another takes its place', async () => {
    const pool = await IngestDecoder.start(1, log);
    cleanup.push(() => pool.close());
    const worker = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]?.worker;
    const inFlight = pool.decode('alertmanager', bigWebhook(5_000), ctx);
    await worker?.terminate();
    await expect(inFlight).rejects.toBeInstanceOf(DecodeFault);
    for (let i = 0; i < 200 && pool.threads === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pool.threads).toBe(1);
    expect(await pool.decode('generic', Buffer.from('{"title":"after"}'), ctx)).toMatchObject({ ok: true });
  });

  it("'auto' leaves the hub one core and uses at most two more", () => {
    expect([1, 2, 3, 8].map((cores) => decodeThreadCount('auto', cores))).toEqual([0, 1, 2, 2]);
    expect(decodeThreadCount(0, 8)).toBe(0);
  });

  it('the built hub (out/main/cli.js) decodes on its own worker entry', { timeout: 180_000 }, async () => {
    ensureConsoleBuilt();
    const cli = join(ROOT, 'out/main/cli.js');
    const dataDir = tempDir();
    const child = spawn(process.execPath, [cli, 'hub', '--port', '0', '--data-dir', dataDir, '--token', TEST_TOKEN], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    cleanup.push(() => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))));
    const [, url] = (await waitForLine(child, /listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    expect(stderr).toMatch(/"decodeThreads":[12]/);
    const res = await fetch(`${url}/api/v1/ingest/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: bigWebhook(200).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ incidentId: 1, incidentStatus: 'triggered' });
  });
});

describe('event log writer thread', () => {
  const drafts = (n: number): EventDraft[] =>
    Array.from({ length: n }, (_, i) => ({ type: 'incident.resolved', incidentId: i + 1, actor: 'test', data: { reason: 'manual' } }) as EventDraft);

  it('a failed transaction rolls back whole, the chain continues from the last commit, and verifies', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    cleanup.push(() => store.close());
    const first = store.seal(drafts(3), '2026-11-21T10:00:00.000Z', store.lastSeq);
    await store.append(first.events, first.rows);
    const head = { seq: store.lastSeq, hash: store.lastHash };
    expect(head.seq).toBe(3);
    // A batch whose second row reuses seq 3: SQLite refuses it, and the first row (seq 4) must not stay either.
    const clash = store.seal(drafts(2), '2026-11-21T10:01:00.000Z', 3);
    const events = [clash.events[0]!, { ...clash.events[1]!, seq: 3 }];
    await expect(store.append(events, clash.rows)).rejects.toThrow(/UNIQUE|constraint/i);
    expect({ seq: store.lastSeq, hash: store.lastHash }).toEqual(head);
    const next = store.seal(drafts(2), '2026-11-21T10:02:00.000Z', store.lastSeq);
    await store.append(next.events, next.rows);
    await store.close();
    cleanup = [];
    expect(verifyChain(dir)).toMatchObject({ ok: true, rows: 5 });
  });

  it('a writer thread that dies is replaced from what is on disk; nothing committed is lost or doubled', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    cleanup.push(() => store.close());
    const writerOf = () => (store as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker;
    const append = async (n: number) => {
      const sealed = store.seal(drafts(n), new Date().toISOString(), store.lastSeq);
      await store.append(sealed.events, sealed.rows);
    };
    await append(2);
    // Dead between batches: the next append starts a new writer and succeeds.
    await writerOf().terminate();
    await append(1);
    expect(store.lastSeq).toBe(3);
    // Dead during a batch: it either committed or not; the store's head follows the disk either way.
    const big = store.seal(drafts(2_000), new Date().toISOString(), store.lastSeq);
    const pending = store.append(big.events, big.rows);
    void writerOf().terminate();
    const outcome = await pending.then(() => 'committed', (err: Error) => err.message);
    expect(['committed', expect.stringMatching(/exited/)]).toContainEqual(outcome);
    expect([3, 2_003]).toContain(store.lastSeq);
    await append(2);
    const rows = store.lastSeq;
    await store.close();
    cleanup = [];
    expect(verifyChain(dir)).toMatchObject({ ok: true, rows });
  });

  it('appends may overlap: they settle in order, and one queued behind a failed one is refused too (it was chained onto it)', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    cleanup.push(() => store.close());
    // Two at once, both fine: written and settled in the order made.
    const a = store.seal(drafts(2), '2026-11-21T10:00:00.000Z', store.lastSeq);
    const b = store.seal(drafts(3), '2026-11-21T10:00:01.000Z', a.seq);
    const settled: string[] = [];
    await Promise.all([store.append(a.events, a.rows).then(() => settled.push('a')), store.append(b.events, b.rows).then(() => settled.push('b'))]);
    expect(settled).toEqual(['a', 'b']);
    expect(store.lastSeq).toBe(5);
    const head = { seq: store.lastSeq, hash: store.lastHash };
    // The first of two fails (its second row reuses seq 5): the one behind it, sealed after it, must not land.
    const clash = store.seal(drafts(2), '2026-11-21T10:01:00.000Z', 5);
    const behind = store.seal(drafts(2), '2026-11-21T10:01:01.000Z', clash.seq);
    const failed = store.append([clash.events[0]!, { ...clash.events[1]!, seq: 5 }], clash.rows);
    const queued = store.append(behind.events, behind.rows);
    await expect(failed).rejects.toThrow(/UNIQUE|constraint/i);
    await expect(queued).rejects.toThrow(/starts at seq 8, expected 6/);
    expect({ seq: store.lastSeq, hash: store.lastHash }).toEqual(head);
    // Sealed again from the last commit, the chain goes on.
    const next = store.seal(drafts(1), '2026-11-21T10:02:00.000Z', store.lastSeq);
    await store.append(next.events, next.rows);
    await store.close();
    cleanup = [];
    expect(verifyChain(dir)).toMatchObject({ ok: true, rows: 6 });
  });

  it('after a writer dies, appends made at once share one replacement', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    cleanup.push(() => store.close());
    const writer = () => (store as unknown as { writer: { worker: { terminate(): Promise<number>; threadId: number } } }).writer.worker;
    const before = writer().threadId;
    await writer().terminate();
    const a = store.seal(drafts(2), '2026-11-21T10:00:00.000Z', store.lastSeq);
    const b = store.seal(drafts(2), '2026-11-21T10:00:01.000Z', a.seq);
    await Promise.all([store.append(a.events, a.rows), store.append(b.events, b.rows)]);
    expect(writer().threadId).not.toBe(before);
    const replacement = writer().threadId;
    const c = store.seal(drafts(1), '2026-11-21T10:00:02.000Z', store.lastSeq);
    await store.append(c.events, c.rows);
    expect(writer().threadId).toBe(replacement);
    expect(store.lastSeq).toBe(5);
    await store.close();
    cleanup = [];
    expect(verifyChain(dir)).toMatchObject({ ok: true, rows: 5 });
  });
});
