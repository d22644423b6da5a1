/**
 * Escalation in a running hub, on a clock the test moves: the rotation's primary is
 * notified; if away, the next present person at once; unacknowledged after N
 * minutes, the next; an acknowledgement stops it. Every notification is an
 * `incident.notified` event in the timeline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../electron/hub/config';
import { FakeClock } from '../helpers/fake-clock';
import { amWebhook, startTestHub, tempDir, type TestHub } from '../helpers/hub';

const TOKENS = { ana: 'ana-token-0123456789abc', bo: 'bo-token-0123456789abcd', cy: 'cy-token-0123456789abcd' };
const people = Object.entries(TOKENS).map(([id, token]) => ({ id, name: id, role: 'responder' as const, tokens: [token] }));
const as = (p: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[p]}` });
const MIN = 60_000;

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(clock: FakeClock, dataDir?: string): Promise<TestHub> {
  return startTestHub(
    {
      people,
      teams: [
        { id: 'db', match: { team: 'db' }, rotation: { people: ['ana', 'bo', 'cy'], start: '2026-11-16T09:00:00Z', handoverHours: 168 }, escalation: { waitMinutes: 5, levels: 3 } },
      ],
    },
    dataDir,
    { clock, now: clock.now },
  );
}

async function notified(hub: TestHub, id: number): Promise<string[]> {
  await hub.hub.core.idle();
  const detail = (await hub.get(`/api/v1/incidents/${id}`)).body.incident;
  return (detail.timeline as { type: string; text: string }[]).filter((e) => e.type === 'incident.notified').map((e) => e.text);
}

async function trigger(hub: TestHub, name: string, labels: Record<string, string> = { team: 'db' }): Promise<number> {
  // As Alertmanager sends it: labels every alert shares are in commonLabels too.
  const body = { ...amWebhook([{ fp: name, status: 'firing', labels }], name), commonLabels: { alertname: name, severity: 'critical', instance: name, ...labels } };
  expect((await hub.post('/api/v1/ingest/alertmanager', body)).status).toBe(200);
  await hub.hub.core.idle();
  const { incidents } = (await hub.get('/api/v1/incidents')).body;
  return (incidents as { id: number; title: string }[]).find((i) => JSON.stringify(i).includes(name))!.id;
}

describe('escalation in the hub', () => {
  it('primary first; next after N unacknowledged minutes; an ack stops it', async () => {
    const clock = new FakeClock();
    t = await start(clock);
    const id = await trigger(t, 'DiskFull');
    expect(await notified(t, id)).toEqual(['Notified ana (db, level 1: on call)']);
    clock.advance(5 * MIN);
    expect(await notified(t, id)).toEqual(['Notified ana (db, level 1: on call)', 'Notified bo (db, level 2: not acknowledged in time)']);
    expect((await t.post(`/api/v1/incidents/${id}/ack`, { actor: 'bo' }, as('bo'))).status).toBe(200);
    await t.hub.core.idle();
    clock.advance(60 * MIN);
    expect(await notified(t, id)).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('the primary is away: the next present person is notified at once; nobody present: everyone', async () => {
    const clock = new FakeClock();
    t = await start(clock);
    await t.post('/api/v1/presence/consent', undefined, as('ana'));
    await t.post('/api/v1/presence', { device: 'ana-mac', state: 'away', since: '2026-11-21T02:00:00Z' }, as('ana'));
    const id = await trigger(t, 'Replication');
    expect(await notified(t, id)).toEqual(['Notified bo (db, level 1: ana away)']);

    for (const p of ['bo', 'cy'] as const) {
      await t.post('/api/v1/presence/consent', undefined, as(p));
      await t.post('/api/v1/presence', { device: `${p}-mac`, state: 'away', since: '2026-11-21T02:00:00Z' }, as(p));
    }
    const id2 = await trigger(t, 'Backups');
    expect(await notified(t, id2)).toEqual(['Notified ana, bo, cy (db, level 1: nobody present, so everyone)']);
  });

  it('the person it waits on goes away mid-wait: it moves on without waiting out the minutes', async () => {
    const clock = new FakeClock();
    t = await start(clock);
    await t.post('/api/v1/presence/consent', undefined, as('ana'));
    await t.post('/api/v1/presence', { device: 'ana-mac', state: 'present', since: '2026-11-21T02:00:00Z' }, as('ana'));
    const id = await trigger(t, 'Latency');
    clock.advance(MIN);
    await t.post('/api/v1/presence', { device: 'ana-mac', state: 'away', since: '2026-11-21T03:01:00Z' }, as('ana'));
    expect(await notified(t, id)).toEqual(['Notified ana (db, level 1: on call)', 'Notified bo (db, level 2: ana away)']);
  });

  it('a restarted hub carries on where it was: the remaining wait, not a new one, and nobody notified twice', async () => {
    const clock = new FakeClock();
    const dir = tempDir();
    t = await start(clock, dir);
    const id = await trigger(t, 'Restart');
    clock.advance(3 * MIN);
    await t.hub.close(); // the data dir stays
    t = await start(clock, dir);
    expect(await notified(t, id)).toEqual(['Notified ana (db, level 1: on call)']);
    clock.advance(MIN + 59_000);
    expect(await notified(t, id)).toHaveLength(1);
    clock.advance(1_000); // five minutes after ana was notified, as if the hub had never stopped
    expect(await notified(t, id)).toEqual(['Notified ana (db, level 1: on call)', 'Notified bo (db, level 2: not acknowledged in time)']);

    // Down through a whole wait: the overdue step happens at start, then the next wait runs.
    await t.hub.close();
    clock.advance(20 * MIN);
    t = await start(clock, dir);
    clock.advance(0); // overdue: due at once
    expect(await notified(t, id)).toHaveLength(3);
    expect((await notified(t, id))[2]).toBe('Notified cy (db, level 3: not acknowledged in time)');
    expect(clock.pending).toBe(0); // level 3 of 3: nothing more to schedule

    // Acknowledged before a restart: it stays quiet after.
    const id2 = await trigger(t, 'RestartAcked');
    await t.post(`/api/v1/incidents/${id2}/ack`, { actor: 'ana' }, as('ana'));
    await t.hub.core.idle();
    await t.hub.close();
    t = await start(clock, dir);
    clock.advance(60 * MIN);
    expect(await notified(t, id2)).toHaveLength(1);
  });

  it('incidents no team matches are not escalated; a rotation naming an unknown person is refused', async () => {
    const clock = new FakeClock();
    t = await start(clock);
    const id = await trigger(t, 'Frontend', { team: 'web' });
    expect(await notified(t, id)).toEqual([]);
    expect(() => parseHubConfig({ teams: [{ id: 'x', rotation: { people: ['zed'], start: '2026-11-16T09:00:00Z' } }] })).toThrow(/teams\[0\]\.rotation\.people\[0\]: "zed" is not in people/);
  });
});

describe('announcements follow escalation (two people, real hub and clients)', () => {
  it('the primary is away: the incident is spoken to the secondary at once, never to the primary; the ack stops it', async () => {
    const { Announcer } = await import('../../shared/announce/announcer');
    const { HubClient } = await import('../../shared/hub-client/hub-client');
    const WebSocket = (await import('ws')).default;
    const clock = new FakeClock();
    t = await start(clock);
    await t.post('/api/v1/presence/consent', undefined, as('ana'));
    await t.post('/api/v1/presence', { device: 'ana-mac', state: 'away', since: '2026-11-21T02:00:00Z' }, as('ana'));

    const said: Record<string, string[]> = { ana: [], bo: [] };
    const clients = (['ana', 'bo'] as const).map((p) => {
      const client = new HubClient({ url: t!.url, token: TOKENS[p], socket: (u) => new WebSocket(u) as never });
      const announcer = new Announcer(
        { speak: async (u) => void said[p]!.push(u.text), stop: () => undefined },
        { now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as NodeJS.Timeout), localMinutes: () => 12 * 60 },
        { coalesceMs: 10 },
      );
      client.subscribe((s) => announcer.routeTo(s.routedAs));
      client.onEvent((e) => announcer.onEvent(e));
      client.start();
      return { client, announcer };
    });
    await Promise.all(clients.map(({ client }) => new Promise<void>((resolve) => client.subscribe((s) => s.connection.status === 'live' && resolve()))));
    expect(clients.map(({ client }) => client.snapshot.routedAs)).toEqual(['ana', 'bo']);

    const id = await trigger(t, 'PrimaryAway');
    await expect.poll(() => said['bo']).toEqual(['Critical. PrimaryAway. Incident 1.']);
    expect((await t.post(`/api/v1/incidents/${id}/ack`, { actor: 'bo' }, as('bo'))).status).toBe(200);
    await expect.poll(() => said['bo']!.length).toBe(2); // "… acknowledged by bo"
    clock.advance(60 * MIN);
    await t.hub.core.idle();
    // Ana's client has had every event (open, notified, acknowledged) once it shows the ack.
    const anaClient = clients[0]!.client;
    await new Promise<void>((resolve) => anaClient.subscribe((s) => s.incidents.get(id)?.status === 'acknowledged' && resolve()));
    expect(said['ana']).toEqual([]); // away, and never notified
    for (const { client, announcer } of clients) {
      announcer.stop();
      client.stop();
    }
  });
});

describe('team board', () => {
  it('on call now and next, shared presence only, open incidents by owner; presence-only sees no incidents', async () => {
    const clock = new FakeClock();
    t = await startTestHub(
      {
        people: [...people, { id: 'fay', name: 'Fay', role: 'presence-only', tokens: ['fay-token-0123456789abc'] }],
        teams: [{ id: 'db', match: { team: 'db' }, rotation: { people: ['ana', 'bo', 'cy'], start: '2026-11-16T09:00:00Z', handoverHours: 168 } }],
      },
      undefined,
      { clock },
    );
    await t.post('/api/v1/presence/consent', undefined, as('ana'));
    await t.post('/api/v1/presence', { device: 'ana-mac', state: 'away', since: '2026-11-21T02:00:00Z' }, as('ana'));
    const escalated = await trigger(t, 'BoardA'); // ana away → bo
    const acked = await trigger(t, 'BoardB');
    await t.post(`/api/v1/incidents/${acked}/ack`, { actor: 'cy' }, as('cy'));
    await trigger(t, 'BoardC', { team: 'web' }); // no team: unassigned

    const board = (await t.get('/api/v1/board', as('bo'))).body;
    const now = Date.now();
    const week = Math.floor((now - Date.parse('2026-11-16T09:00:00Z')) / (168 * 3_600_000));
    const order = ['ana', 'bo', 'cy'];
    expect(board.teams).toEqual([{ id: 'db', onCall: order[week % 3], next: order[(week + 1) % 3], handoverAt: new Date(Date.parse('2026-11-16T09:00:00Z') + (week + 1) * 168 * 3_600_000).toISOString() }]);
    expect(board.people).toEqual([
      { id: 'ana', name: 'ana', presence: { state: 'away', since: '2026-11-21T02:00:00Z' } },
      { id: 'bo', name: 'bo', presence: null },
      { id: 'cy', name: 'cy', presence: null },
      { id: 'fay', name: 'Fay', presence: null },
    ]);
    const owners = Object.fromEntries((board.openByOwner as { owner: string; incidents: { id: number }[] }[]).map((o) => [o.owner, o.incidents.map((i) => i.id)]));
    expect(owners['cy']).toEqual([acked]);
    expect(owners['unassigned']).toHaveLength(1);
    expect(owners['bo'] ?? owners['ana']).toContain(escalated);

    const fay = (await t.get('/api/v1/board', { authorization: 'Bearer fay-token-0123456789abc' })).body;
    expect(fay.openByOwner).toBeNull();
    expect(fay.people).toHaveLength(4);
  });
});
