/**
 * The hub holds open incidents and the most recently resolved ones in memory; older
 * resolved incidents are dropped (their events stay in the log) and read back whole
 * when asked for, so a hub that runs for months does not grow without bound.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventStore, verifyChain } from '../../electron/hub/store/event-store';
import { amWebhook, startTestHub, type TestHub } from '../helpers/hub';

let t: TestHub;
afterEach(() => t?.close());

async function openAndResolve(hub: TestHub, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await hub.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: `fp${i}`, status: 'firing', labels: { team: 'db' } }], `Group${i}`));
    expect(res.status).toBe(200);
    ids.push(res.body.incidentId as number);
  }
  for (const id of ids) expect((await hub.post(`/api/v1/incidents/${id}/resolve`, { actor: 'carol' })).status).toBe(200);
  return ids;
}

/** Starts a hub (into `t`) and returns the incidents whose events its start-up fold read. */
async function foldedAtStart(start: () => Promise<TestHub>): Promise<Set<number>> {
  const folded = new Set<number>();
  const readAll = EventStore.prototype.readAll;
  const spy = vi.spyOn(EventStore.prototype, 'readAll').mockImplementation(function* (this: EventStore, ...args: Parameters<EventStore['readAll']>) {
    for (const event of readAll.apply(this, args)) {
      folded.add(event.incidentId);
      yield event;
    }
  });
  try {
    t = await start();
  } finally {
    spy.mockRestore();
  }
  return folded;
}

describe('hub memory: resolved incidents beyond the limit live in the log only', () => {
  it('keeps the most recently resolved in memory, and reads older ones back whole', async () => {
    t = await startTestHub({ incidents: { resolvedInMemory: 2 } });
    const ids = await openAndResolve(t, 3);
    const before = (await t.get(`/api/v1/incidents/${ids[0]}`)).body;
    const more = await openAndResolve(t, 3);
    await t.hub.core.idle();
    // In memory: the two resolved last; the first four are gone from memory only.
    expect([...t.hub.core.state.incidents.keys()].sort()).toEqual(more.slice(1));
    expect(t.hub.core.countsByStatus()).toEqual({ triggered: 0, acknowledged: 0, resolved: 6 });
    const metrics: string = (await t.get('/metrics')).body;
    expect(metrics).toContain('earshot_incidents{status="resolved"} 6');
    // Asked for, an old one comes back from the log exactly as it was.
    const after = await t.get(`/api/v1/incidents/${ids[0]}`);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before);
    expect(t.hub.core.state.incidents.has(ids[0] as number)).toBe(false); // read, not kept
    expect((await t.get('/api/v1/incidents/999')).status).toBe(404);
    // Lists show what is in memory: the most recent resolved.
    expect((await t.get('/api/v1/incidents?status=resolved')).body.incidents.map((i: { id: number }) => i.id)).toEqual(more.slice(1).reverse());
  });

  it('a command naming a dropped incident is decided as if it had never left: refused ack, recorded step', async () => {
    t = await startTestHub({ incidents: { resolvedInMemory: 1 } });
    const ids = await openAndResolve(t, 3);
    await t.hub.core.idle();
    const old = ids[0] as number;
    expect(t.hub.core.state.incidents.has(old)).toBe(false);
    // The same answer as for a resolved incident in memory.
    const inMemory = await t.post(`/api/v1/incidents/${ids[2]}/ack`, { actor: 'alice' });
    const dropped = await t.post(`/api/v1/incidents/${old}/ack`, { actor: 'alice' });
    expect(dropped.status).toBe(inMemory.status);
    expect(dropped.body).toEqual(JSON.parse(JSON.stringify(inMemory.body).replaceAll(`incident ${ids[2]}`, `incident ${old}`)));
    expect(dropped.body.error.message).toBe(`incident ${old} is resolved; there is nothing to acknowledge`);
    // A runbook step finishing after the incident left memory is recorded on it.
    const outcome = await t.hub.core.submit({
      kind: 'record',
      incidentId: old,
      actor: 'alice',
      body: { type: 'incident.notified', data: { team: 'db', level: 1, people: ['alice'], reason: 'first', skipped: [] } },
    });
    expect(outcome.events).toHaveLength(1);
    expect(outcome.incident?.id).toBe(old);
    await t.hub.core.idle();
    const detail = (await t.get(`/api/v1/incidents/${old}`)).body.incident;
    expect(detail.status).toBe('resolved');
    expect(detail.timeline.at(-1).text).toMatch(/alice/);
    expect(verifyChain(t.hub.config.dataDir).ok).toBe(true);
    // And it leaves memory again with the next resolution.
    await openAndResolve(t, 1);
    await t.hub.core.idle();
    expect(t.hub.core.state.incidents.has(old)).toBe(false);
  });

  it('after a restart, only the open and the most recently resolved are folded into memory', async () => {
    const first = await startTestHub({ incidents: { resolvedInMemory: 2 } });
    const ids = await openAndResolve(first, 4);
    const open = (await first.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'still', status: 'firing' }], 'StillFiring'))).body.incidentId as number;
    const dataDir = first.hub.config.dataDir;
    await first.hub.close(); // the hub only: its data dir stays for the next one
    // Watch what the fold reads: the dropped incidents' events are not even parsed.
    const folded = await foldedAtStart(() => startTestHub({ incidents: { resolvedInMemory: 2, staleAlertAfter: null }, stream: { replayEvents: 3 } }, dataDir));
    expect([...folded].sort((a, b) => a - b)).toEqual([...ids.slice(2), open]);
    expect([...t.hub.core.state.incidents.keys()].sort((a, b) => a - b)).toEqual([...ids.slice(2), open]);
    expect(t.hub.core.countsByStatus()).toEqual({ triggered: 1, acknowledged: 0, resolved: 4 });
    expect((await t.get(`/api/v1/incidents/${ids[0]}`)).body.incident.status).toBe('resolved');
    // Numbering goes on after the highest id, folded or not, and seqs after the last event (the writer refuses any other).
    const next = (await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'new', status: 'firing' }], 'New'))).body.incidentId as number;
    expect(next).toBe(open + 1);
    expect(verifyChain(dataDir).ok).toBe(true);
  });

  it('after a restart, the replay window the fold keeps incidents for is bounded by stream.replayBytes too', async () => {
    const first = await startTestHub({ incidents: { resolvedInMemory: 1 } });
    const ids = await openAndResolve(first, 4);
    const dataDir = first.hub.config.dataDir;
    await first.hub.close();
    // Every event is within the count; a 1-byte budget keeps only the newest (the last resolution).
    const folded = await foldedAtStart(() => startTestHub({ incidents: { resolvedInMemory: 1, staleAlertAfter: null }, stream: { replayEvents: 1_000, replayBytes: 1 } }, dataDir));
    expect([...folded]).toEqual([ids[3]]);
    expect(t.hub.core.replayHeld.events).toBe(1);
    // A client that missed only that event gets it; one further behind, a snapshot.
    expect(t.hub.core.replayAfter(t.hub.core.committedSeq - 1)?.map((b) => b.seq)).toEqual([t.hub.core.committedSeq]);
    expect(t.hub.core.replayAfter(t.hub.core.committedSeq - 2)).toBeNull();
  });
});
