/**
 * Opt-in presence at the hub: nothing without consent; consent, withdrawal and
 * deletion in the audit chain without the data; "delete my presence data" leaves
 * none of it in the store (not even in freed pages); retention deletes old records.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PRESENCE_DB_FILE, PresenceService } from '../../electron/hub/presence';
import { createLogger } from '../../electron/hub/log';
import { DB_FILE, verifyChain } from '../../electron/hub/store/event-store';
import { HubClient, type SocketLike } from '../../shared/hub-client/hub-client';
import { amWebhook, startTestHub, tempDir, TEST_TOKEN, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

const FAY = 'fay-token-0123456789abc';
const VIC = 'vic-token-0123456789abc';
const people = [
  { id: 'fay', name: 'Fay', role: 'presence-only' as const, tokens: [FAY] },
  { id: 'vic', name: 'Vic', role: 'viewer' as const, tokens: [VIC] },
];
const as = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function auditEvents(dataDir: string): { type: string; incident_id: number; actor: string; data: string }[] {
  const db = new Database(join(dataDir, DB_FILE), { readonly: true });
  try {
    return db.prepare("SELECT type, incident_id, actor, data FROM events WHERE type LIKE 'presence.%' ORDER BY seq").all() as never;
  } finally {
    db.close();
  }
}

describe('presence at the hub', () => {
  it('refuses presence before consent; after it, the board shows the latest state; the chain records consent without data', async () => {
    t = await startTestHub({ people });
    const before = await t.post('/api/v1/presence', { device: 'fay-laptop', state: 'present', since: '2026-11-21T09:00:00Z' }, as(FAY));
    expect(before.status).toBe(409);
    expect(before.body.error).toMatchObject({ code: 'no_consent', message: '"fay" has not turned presence sharing on; nothing was stored' });
    const fay = new TestStreamClient(t.url);
    await fay.send({ type: 'hello', token: FAY });
    await fay.waitFor('welcome');
    const publish = async (id: string, state: string, since: string) => {
      await fay.send({ type: 'publish', requestId: id, device: 'fay-laptop', publication: { kind: 'device_presence', state, since } } as never);
      return fay.waitFor('reply', (m) => m.requestId === id);
    };
    expect(await publish('p0', 'present', '2026-11-21T09:00:00Z')).toMatchObject({ ok: false, error: { code: 'no_consent' } });
    expect(t.hub.presence.count('fay')).toBe(0);

    expect((await t.post('/api/v1/presence/consent', undefined, as(FAY))).body).toEqual({ person: 'fay', sharing: true });
    expect(await publish('p1', 'present', '2026-11-21T09:00:00Z')).toMatchObject({ ok: true });
    expect(await publish('p2', 'away', '2026-11-21T09:30:00+01:00')).toMatchObject({ ok: true });
    await fay.send({ type: 'publish', requestId: 'bad', device: 'fay-laptop', publication: { kind: 'device_presence', state: 'asleep', since: 'noon' } } as never);
    const bad = await fay.waitFor('error');
    expect(bad.error.message).toMatch(/state[\s\S]*since|since[\s\S]*state|publication/);

    const board = (await t.get('/api/v1/presence', as(VIC))).body;
    expect(board).toEqual({ you: { person: 'vic', sharing: false }, policy: expect.any(Object), people: [{ person: 'fay', state: 'away', since: '2026-11-21T09:30:00+01:00', at: expect.any(String) }] });
    expect(fay.messages.filter((m) => m.type === 'event' || m.type === 'snapshot')).toEqual([]); // presence-only: no incident stream, not even audit events

    const audit = auditEvents(t.dataDir);
    expect(audit).toEqual([{ type: 'presence.consented', incident_id: 0, actor: 'fay', data: expect.any(String) }]);
    expect(JSON.parse(audit[0]!.data)).toEqual({ person: 'fay', shares: ['present/away/unknown', 'since'] }); // that it happened and what is shared, not the data
    fay.close();
  });

  it('a reading client sees audit events as seq only: no gap, no resync, incidents unaffected', async () => {
    t = await startTestHub({ people });
    const client = new HubClient({ url: t.url, token: TEST_TOKEN, socket: (u) => new WebSocket(u) as unknown as SocketLike });
    const statuses: string[] = [];
    client.subscribe((s) => statuses.push(s.connection.status));
    client.start();
    await new Promise<void>((resolve) => client.subscribe((s) => s.connection.status === 'live' && resolve()));
    await t.post('/api/v1/presence/consent', undefined, as(FAY));
    await t.post('/api/v1/presence/withdraw', undefined, as(FAY));
    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'x', status: 'firing' }], 'AfterAudit'))).status).toBe(200);
    await new Promise<void>((resolve) => client.subscribe((s) => s.incidents.size === 1 && resolve()));
    expect(client.snapshot.seq).toBe(4); // consented, withdrawn, then the incident's two events
    expect(statuses.filter((s) => s === 'reconnecting' || s === 'connecting').length).toBe(1); // only the first connect
    client.stop();
  });

  it('"delete my presence data": the store holds none of it, even in freed pages; the chain says it happened, and verifies', async () => {
    const dataDir = tempDir();
    t = await startTestHub({ people }, dataDir);
    await t.post('/api/v1/presence/consent', undefined, as(FAY));
    for (let i = 0; i < 50; i++) {
      const res = await t.post('/api/v1/presence', { device: 'fay-unique-laptop-7c1e', state: i % 2 ? 'away' : 'present', since: `2026-11-21T09:${String(i).padStart(2, '0')}:00Z` }, as(FAY));
      expect(res.status).toBe(202);
    }
    const raw = () => readFileSync(join(dataDir, PRESENCE_DB_FILE)).toString('latin1');
    expect(raw()).toContain('fay-unique-laptop-7c1e');
    const del = await t.post('/api/v1/presence/delete', undefined, as(FAY));
    expect(del.body).toEqual({ person: 'fay', sharing: false, deleted: 50 });
    expect(t.hub.presence.count('fay')).toBe(0);
    expect(t.hub.presence.hasConsent('fay')).toBe(false);
    // The policy the consent screen shows: kept 7 days (the default), seen by these people and the hub's admins.
    expect((await t.get('/api/v1/presence', as(FAY))).body).toEqual({ you: { person: 'fay', sharing: false }, policy: { retentionDays: 7, seenBy: ['Fay', 'Vic'], admins: true }, people: [] });
    expect(raw()).not.toContain('fay-unique-laptop-7c1e'); // secure_delete: freed pages are zeroed
    expect(existsSync(join(dataDir, `${PRESENCE_DB_FILE}-wal`))).toBe(false); // no write-ahead log keeping copies
    // After deletion, sharing again needs a new consent.
    expect((await t.post('/api/v1/presence', { device: 'x', state: 'present', since: '2026-11-21T10:00:00Z' }, as(FAY))).status).toBe(409);

    await t.hub.close(); // stop, keeping the data dir
    const audit = auditEvents(dataDir);
    expect(audit.map((e) => e.type)).toEqual(['presence.consented', 'presence.deleted']);
    expect(JSON.parse(audit[1]!.data)).toEqual({ person: 'fay', records: 50, why: 'request' });
    expect(verifyChain(dataDir).ok).toBe(true);
    // And the hub starts again on a log holding hub-level events.
    t = await startTestHub({ people }, dataDir);
    expect((await t.get('/api/v1/presence', as(VIC))).status).toBe(200);
  });

  it('a person not heard from for a while counts as unknown (a sleeping laptop cannot say it is away)', async () => {
    t = await startTestHub({ people });
    let now = Date.UTC(2026, 11, 1, 9, 0);
    const presence = new PresenceService(tempDir(), t.hub.core, createLogger('silent'), { retentionDays: 7, staleAfterMinutes: 15 }, () => now);
    await presence.consent('fay');
    presence.publish('fay', 'laptop', { state: 'present', since: '2026-12-01T08:30:00Z' });
    now += 14 * 60_000;
    expect(presence.stateOf('fay')).toBe('present');
    expect(presence.board()[0]).toMatchObject({ state: 'present', since: '2026-12-01T08:30:00Z' });
    now += 2 * 60_000; // 16 minutes without a word
    expect(presence.stateOf('fay')).toBe('unknown'); // escalation will not skip her, nor count her as here
    expect(presence.board()[0]).toMatchObject({ state: 'unknown', since: '2026-12-01T09:00:00.000Z' }); // unknown since the last word
    presence.publish('fay', 'laptop', { state: 'present', since: '2026-12-01T08:30:00Z' }); // awake again
    expect(presence.stateOf('fay')).toBe('present');
    presence.close();
  });

  it('retention deletes records older than the period, one audit event per person', async () => {
    t = await startTestHub({ people });
    let now = Date.UTC(2026, 10, 1);
    const presence = new PresenceService(tempDir(), t.hub.core, createLogger('silent'), { retentionDays: 7, staleAfterMinutes: 15 }, () => now);
    await presence.consent('fay');
    presence.publish('fay', 'l', { state: 'present', since: '2026-11-01T00:00:00Z' });
    now += 6 * 86_400_000;
    presence.publish('fay', 'l', { state: 'away', since: '2026-11-07T00:00:00Z' });
    now += 2 * 86_400_000; // the first record is now 8 days old, the second 2
    expect(await presence.prune()).toBe(1);
    expect(presence.count('fay')).toBe(1);
    expect(presence.board()[0]).toMatchObject({ since: new Date(Date.UTC(2026, 10, 7)).toISOString() }); // the newer one is kept
    expect(await presence.prune()).toBe(0);
    presence.close();
    await t.hub.core.idle();
    const audit = auditEvents(t.dataDir);
    expect(audit.map((e) => [e.type, e.actor, JSON.parse(e.data)])).toEqual([
      ['presence.consented', 'fay', { person: 'fay', shares: ['present/away/unknown', 'since'] }],
      ['presence.deleted', 'hub', { person: 'fay', records: 1, why: 'retention' }],
    ]);
  });
});
