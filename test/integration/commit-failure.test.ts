import { afterEach, expect, it } from 'vitest';
import { verifyChain } from '../../electron/hub/store/event-store';
import { CLOSE_CODES } from '../../shared/protocol/stream';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

let t: TestHub;
afterEach(() => t?.close());

it('a failed commit answers 503, restarts stream clients, and leaves memory matching the disk', async () => {
  t = await startTestHub();
  expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'Kept'))).status).toBe(200);
  const client = new TestStreamClient(t.url, { authorization: `Bearer ${TEST_TOKEN}` });
  await client.send({ type: 'hello' });
  await client.waitFor('snapshot');

  // The disk fails once (the fault is injected at the store's write, the lowest seam in reach).
  const store = (t.hub.core as unknown as { store: { append: (...args: unknown[]) => Promise<void> } }).store;
  const append = store.append.bind(store);
  store.append = () => {
    store.append = append;
    return Promise.reject(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }));
  };
  const failed = await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Lost'));
  expect(failed.status).toBe(503);
  expect(failed.headers.get('retry-after')).toBe('1');
  expect(await client.waitClosed()).toMatchObject({ code: CLOSE_CODES.reset });

  const titles = (await t.get('/api/v1/incidents')).body.incidents.map((i: { title: string }) => i.title);
  expect(titles).toEqual(['Kept']);
  // The sender retries and it works; ids and seqs continue from what is on disk.
  const retried = await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Lost'));
  expect(retried.body).toMatchObject({ incidentId: 2, incidentStatus: 'triggered' });
  await t.hub.close();
  expect(verifyChain(t.dataDir)).toMatchObject({ ok: true, rows: 4 });
});

it('a commit that fails with another queued behind it fails both callers, and memory still matches the disk', async () => {
  t = await startTestHub();
  expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing' }], 'Kept'))).status).toBe(200);
  // The first commit fails, but only after a second webhook has been sealed onto it and handed to the writer.
  const store = (t.hub.core as unknown as { store: { append: (...args: unknown[]) => Promise<void> } }).store;
  const append = store.append.bind(store);
  let release!: () => void;
  const second = new Promise<void>((resolve) => (release = resolve));
  let firstHandedOver!: () => void;
  const first = new Promise<void>((resolve) => (firstHandedOver = resolve));
  let calls = 0;
  store.append = (...args: unknown[]) => {
    calls++;
    if (calls === 1) {
      firstHandedOver();
      return second.then(() => Promise.reject(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })));
    }
    release();
    store.append = append;
    return append(...args);
  };
  const sentFirst = t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Lost one'));
  await first; // the first webhook's commit is with the writer; the second is sealed after it
  const [one, two] = await Promise.all([sentFirst, t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'c', status: 'firing' }], 'Lost two'))]);
  expect(calls).toBe(2);
  expect([one.status, two.status]).toEqual([503, 503]);
  const titles = (await t.get('/api/v1/incidents')).body.incidents.map((i: { title: string }) => i.title);
  expect(titles).toEqual(['Kept']);
  const retried = await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'b', status: 'firing' }], 'Lost one'));
  expect(retried.body).toMatchObject({ incidentId: 2, incidentStatus: 'triggered' });
  await t.hub.close();
  expect(verifyChain(t.dataDir)).toMatchObject({ ok: true, rows: 4 });
});
