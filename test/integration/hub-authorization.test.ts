/**
 * Each role against each endpoint and stream command. Allowed calls may still fail
 * for other reasons (a missing incident, a bad body): the test only asserts that
 * allowed is never 401/403 and forbidden is exactly 403 with a message naming the role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HubClient, type SocketLike } from '../../shared/hub-client/hub-client';
import { allows, type Permission, type Role } from '../../electron/hub/access';
import { parseHubConfig } from '../../electron/hub/config';
import { ROUTE_PERMISSIONS } from '../../electron/hub/http-server';
import { amWebhook, startTestHub, TEST_TOKEN, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

const TOKENS: Record<Role, string> = {
  admin: TEST_TOKEN,
  sender: 'sender-token-0123456789',
  responder: 'ana-token-0123456789abc',
  viewer: 'vic-token-0123456789abc',
  'presence-only': 'fay-token-0123456789abc',
};
const NAMES: Record<Role, string> = { admin: 'admin', sender: 'prometheus', responder: 'ana', viewer: 'vic', 'presence-only': 'fay' };

/** Every authenticated route, with a request that exercises it. */
const CALLS: { route: string; method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { route: 'metrics', method: 'GET', path: '/metrics' },
  { route: 'ingest_alertmanager', method: 'POST', path: '/api/v1/ingest/alertmanager', body: amWebhook([{ fp: 'a1', status: 'firing' }], 'Auth') },
  { route: 'ingest_grafana', method: 'POST', path: '/api/v1/ingest/grafana', body: {} },
  { route: 'ingest_generic', method: 'POST', path: '/api/v1/ingest/generic', body: {} },
  { route: 'incidents_list', method: 'GET', path: '/api/v1/incidents' },
  { route: 'incident_get', method: 'GET', path: '/api/v1/incidents/1' },
  { route: 'ingest_telemetry', method: 'POST', path: '/api/v1/ingest/telemetry', body: { device: 'd1', samples: [{ metric: 'cpu_percent', value: 1 }] } },
  { route: 'telemetry', method: 'GET', path: '/api/v1/telemetry' },
  { route: 'runbooks', method: 'GET', path: '/api/v1/runbooks' },
  { route: 'incident_runbooks', method: 'GET', path: '/api/v1/incidents/1/runbooks' },
  { route: 'incident_runbook_run', method: 'POST', path: '/api/v1/incidents/1/runbooks/x/steps/y/run', body: { actor: 'a' } },
  { route: 'devices', method: 'GET', path: '/api/v1/devices' },
  { route: 'speech', method: 'POST', path: '/api/v1/speech', body: {} },
  { route: 'incident_ack', method: 'POST', path: '/api/v1/incidents/1/ack', body: { actor: 'a' } },
  { route: 'incident_resolve', method: 'POST', path: '/api/v1/incidents/1/resolve', body: { actor: 'a' } },
  { route: 'incident_snooze', method: 'POST', path: '/api/v1/incidents/1/snooze', body: { actor: 'a', duration: '1h' } },
  { route: 'presence_board', method: 'GET', path: '/api/v1/presence' },
  { route: 'team_board', method: 'GET', path: '/api/v1/board' },
  { route: 'presence_publish', method: 'POST', path: '/api/v1/presence', body: { device: 'd1', state: 'present', since: '2026-11-21T09:00:00Z' } },
  { route: 'presence_consent', method: 'POST', path: '/api/v1/presence/consent' },
  { route: 'presence_withdraw', method: 'POST', path: '/api/v1/presence/withdraw' },
  { route: 'presence_delete', method: 'POST', path: '/api/v1/presence/delete' },
];

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    tokens: [
      { name: 'admin', token: TOKENS.admin },
      { name: 'prometheus', token: TOKENS.sender, role: 'sender' },
    ],
    people: [
      { id: 'ana', name: 'Ana', role: 'responder', tokens: [TOKENS.responder] },
      { id: 'vic', name: 'Vic', role: 'viewer', tokens: [TOKENS.viewer] },
      { id: 'fay', name: 'Fay', role: 'presence-only', tokens: [TOKENS['presence-only']] },
    ],
  });
  expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 's1', status: 'firing' }], 'Seed'))).status).toBe(200);
});
afterAll(() => t?.close());

/** A new triggered incident's id. */
async function freshIncident(name: string): Promise<number> {
  expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: name, status: 'firing' }], name))).status).toBe(200);
  const { incidents } = (await t.get('/api/v1/incidents')).body;
  return (incidents as { id: number; title: string }[]).find((i) => JSON.stringify(i).includes(name))!.id;
}

describe('authorization: every role × every route', () => {
  it('declares a permission for every authenticated route', () => {
    expect(CALLS.map((c) => c.route).sort()).toEqual(Object.keys(ROUTE_PERMISSIONS).filter((r) => r !== 'pagerduty_enqueue').sort());
  });

  for (const role of Object.keys(TOKENS) as Role[]) {
    it(`${role}`, async () => {
      const headers = { authorization: `Bearer ${TOKENS[role]}` };
      for (const c of CALLS) {
        const res = c.method === 'GET' ? await t.get(c.path, headers) : await t.post(c.path, c.body, headers);
        const permission = ROUTE_PERMISSIONS[c.route] as Permission;
        if (allows(role, permission)) expect([c.route, res.status]).not.toEqual([c.route, expect.toSatisfy((s: number) => s === 401 || s === 403)]);
        else {
          expect([c.route, res.status]).toEqual([c.route, 403]);
          expect(res.body.error.message).toBe(`"${NAMES[role]}" (role ${role}) may not ${{ ingest: 'send alerts', publish: 'publish device data', read: 'read incidents', act: 'act on incidents', presence: 'share or see presence' }[permission]}`);
        }
      }
      // PagerDuty answers in its own shape, with routing_key as the credential.
      const pd = await t.post('/v2/enqueue', { routing_key: TOKENS[role], event_action: 'trigger', payload: { summary: 'x', source: 's', severity: 'error' } }, { authorization: '' });
      expect(pd.status).toBe(allows(role, 'ingest') ? 202 : 403);
    });
  }

  it('a viewer sees incidents but cannot ack; a responder can, and the timeline records the person', async () => {
    const id = await freshIncident('ViewerAck');
    const viewer = await t.post(`/api/v1/incidents/${id}/ack`, { actor: 'vic' }, { authorization: `Bearer ${TOKENS.viewer}` });
    expect(viewer.status).toBe(403);
    const ana = await t.post(`/api/v1/incidents/${id}/ack`, { actor: 'Ana' }, { authorization: `Bearer ${TOKENS.responder}` });
    expect(ana.status).toBe(200);
    const detail = (await t.get(`/api/v1/incidents/${id}`)).body.incident;
    expect(JSON.stringify(detail.timeline)).toContain('ana');
    expect(detail.acknowledgedBy).toBe('ana'); // the person's id, not the name the client typed
  });

  it('a person cannot act under someone else\'s name; a machine token records the name it gives', async () => {
    const id = await freshIncident('Spoof');
    expect((await t.post(`/api/v1/incidents/${id}/ack`, { actor: 'somebody-else' }, { authorization: `Bearer ${TOKENS.responder}` })).status).toBe(200);
    expect((await t.get(`/api/v1/incidents/${id}`)).body.incident.acknowledgedBy).toBe('ana');
    const id2 = await freshIncident('MachineActor');
    expect((await t.post(`/api/v1/incidents/${id2}/ack`, { actor: 'chatops:erin' })).status).toBe(200);
    expect((await t.get(`/api/v1/incidents/${id2}`)).body.incident.acknowledgedBy).toBe('chatops:erin');
  });
});

describe('authorization on the stream', () => {
  async function session(role: Role) {
    const c = new TestStreamClient(t.url);
    await c.send({ type: 'hello', token: TOKENS[role] });
    await c.waitFor('welcome');
    return c;
  }

  it('presence-only: welcomed, but no snapshot, no events, no commands', async () => {
    const fay = await session('presence-only');
    const vic = await session('viewer');
    await vic.waitFor('snapshot');
    await fay.send({ type: 'command', requestId: 'f1', command: { action: 'resolve', incidentId: 1, actor: 'fay' } });
    const reply = await fay.waitFor('reply', (m) => m.requestId === 'f1');
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden', message: '"fay" (role presence-only) may not act on incidents' } });
    await fay.send({ type: 'publish', requestId: 'f2', device: 'fay-laptop', publication: { kind: 'device_telemetry', samples: [{ metric: 'cpu_percent', value: 3 }] } } as never);
    expect(await fay.waitFor('reply', (m) => m.requestId === 'f2')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A new alert: the viewer hears of it, fay does not.
    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'l1', status: 'firing' }], 'Later'))).status).toBe(200);
    await vic.waitFor('event', (m) => JSON.stringify(m).includes('Later'));
    // The hub answers one socket in order: past this pong, the event would already have come.
    await fay.send({ type: 'ping', requestId: 'barrier' });
    await fay.waitFor('pong', (m) => m.requestId === 'barrier');
    expect(fay.messages.map((m) => m.type).filter((x) => x !== 'reply' && x !== 'pong')).toEqual(['welcome']);
    fay.close();
    vic.close();
  });

  it('the welcome says who the token is and what it may do; the hub client turns that into canAct', async () => {
    const vic = await session('viewer');
    expect(await vic.waitFor('welcome')).toMatchObject({ you: { name: 'vic', role: 'viewer', permissions: ['publish', 'read', 'presence'] } });
    vic.close();
    for (const [role, canAct] of [['viewer', false], ['responder', true]] as const) {
      const client = new HubClient({ url: t.url, token: TOKENS[role], socket: (u) => new WebSocket(u) as unknown as SocketLike });
      client.start();
      await new Promise<void>((resolve) => client.subscribe((s) => s.connection.status === 'live' && resolve()));
      expect(client.snapshot).toMatchObject({ role, canAct });
      client.stop();
    }
  });

  it('viewer: reads the stream, cannot command; responder can', async () => {
    const vic = await session('viewer');
    await vic.send({ type: 'command', requestId: 'v1', command: { action: 'snooze', incidentId: 1, actor: 'vic', duration: '1h' } });
    expect(await vic.waitFor('reply', (m) => m.requestId === 'v1')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await vic.send({ type: 'run_step', requestId: 'v2', incidentId: 1, runbook: 'x', step: 'y', actor: 'vic' } as never);
    expect(await vic.waitFor('reply', (m) => m.requestId === 'v2')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const ana = await session('responder');
    const id = await freshIncident('StreamSnooze');
    await ana.send({ type: 'command', requestId: 'a1', command: { action: 'snooze', incidentId: id, actor: 'Ana', duration: '1h' } });
    expect(await ana.waitFor('reply', (m) => m.requestId === 'a1')).toMatchObject({ ok: true });
    vic.close();
    ana.close();
  });
});

describe('people in the config', () => {
  it('rejects a person id that clashes with a token name, and a token used twice, naming the field', () => {
    expect(() =>
      parseHubConfig({
        tokens: [{ name: 'ana', token: 'x'.repeat(16) }],
        people: [{ id: 'ana', name: 'Ana', role: 'responder', tokens: ['x'.repeat(16)] }],
      }),
    ).toThrow(/people\[0\]\.id[\s\S]*people\[0\]\.tokens\[0\]/);
    // A person is never admin or sender: those are machine roles.
    expect(() => parseHubConfig({ people: [{ id: 'bo', name: 'Bo', role: 'admin', tokens: ['y'.repeat(16)] }] })).toThrow(/people\[0\]\.role/);
  });
});
