import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, verifyChain } from '../../electron/hub/store/event-store';
import { runCli } from '../helpers/cli';
import { amWebhook, startTestHub, type TestHub } from '../helpers/hub';

/** Opens the hub's database as an attacker would: drop the append-only guards, then edit. */
function tamper(dataDir: string, ...sql: string[]): void {
  const db = new Database(join(dataDir, DB_FILE));
  db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
  for (const s of sql) db.exec(s);
  db.close();
}

describe('tamper-evident event log', () => {
  let t: TestHub;
  let dataDir: string;

  beforeEach(async () => {
    t = await startTestHub();
    dataDir = t.dataDir;
    for (let i = 0; i < 4; i++) {
      expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: `f${i}`, status: 'firing' }], `G${i}`))).status).toBe(200);
    }
    expect((await t.post('/api/v1/incidents/2/ack', { actor: 'alice' })).status).toBe(200);
    await t.hub.close(); // the files stay; t.close() removes them
  });
  afterEach(() => t.close());

  it('verifies an untouched log, from the CLI too', () => {
    expect(verifyChain(dataDir)).toMatchObject({ ok: true, rows: 9 });
    const r = runCli(['verify', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: 9 events, chain intact; head 9:[0-9a-f]{64}/);
  });

  it('the database refuses updates and deletes while its guards are in place', () => {
    const db = new Database(join(dataDir, DB_FILE));
    expect(() => db.exec("UPDATE events SET actor = 'mallory' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM events WHERE seq = 1')).toThrow(/append-only/);
    db.close();
  });

  it('catches an edited row (the acknowledger rewritten)', () => {
    tamper(dataDir, "UPDATE events SET actor = 'mallory' WHERE type = 'incident.acknowledged'");
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 9, reason: expect.stringMatching(/row modified/) } });
    const r = runCli(['verify', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAMPERED: row 9: hash does not match/);
  });

  it('catches edited event data', () => {
    tamper(dataDir, `UPDATE events SET data = replace(data, 'G1', 'XX') WHERE seq = 3`);
    expect(verifyChain(dataDir).problem?.seq).toBe(3);
  });

  it('catches a deleted row', () => {
    tamper(dataDir, 'DELETE FROM events WHERE seq = 4');
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 5, reason: 'row 4 is missing (next row is 5)' } });
    expect(runCli(['verify', '--data-dir', dataDir]).code).toBe(1);
  });

  it('catches rows cut from the end (against the recorded head)', () => {
    tamper(dataDir, 'DELETE FROM events WHERE seq >= 8');
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 9, reason: expect.stringMatching(/rows cut from the end/) } });
  });

  it('catches rows cut from the end even when the attacker also rewrites the stored head, given a head recorded elsewhere', () => {
    const recorded = verifyChain(dataDir).head;
    tamper(dataDir, 'DELETE FROM events WHERE seq = 9', "DELETE FROM meta WHERE key = 'head'");
    expect(verifyChain(dataDir).ok).toBe(true); // nothing inside the file can tell
    const r = runCli(['verify', '--data-dir', dataDir, '--expect-head', `${recorded.seq}:${recorded.hash}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/rows cut from the end/);
  });

  it('catches an inserted row', () => {
    tamper(
      dataDir,
      'UPDATE events SET seq = -(seq + 1) WHERE seq >= 5',
      'UPDATE events SET seq = -seq WHERE seq < 0',
      "INSERT INTO events (seq, ts, type, incident_id, actor, data, prev_hash, hash) SELECT 5, ts, type, incident_id, 'mallory', data, prev_hash, hash FROM events WHERE seq = 4",
    );
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 5 } });
  });

  it('catches reordered rows (two rows swapped, seq numbers kept in order)', () => {
    tamper(
      dataDir,
      'UPDATE events SET seq = -1 WHERE seq = 6',
      'UPDATE events SET seq = 6 WHERE seq = 7',
      'UPDATE events SET seq = 7 WHERE seq = -1',
    );
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 6 } });
  });

  it('catches a row whose data no longer parses as an event', () => {
    tamper(dataDir, `UPDATE events SET data = '{"nonsense":true}' WHERE seq = 2`);
    expect(verifyChain(dataDir)).toMatchObject({ ok: false, problem: { seq: 2, reason: expect.stringMatching(/does not parse/) } });
  });
});
