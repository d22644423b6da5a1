/**
 * Opt-in presence at the hub. Personal data, so: nothing is accepted from a person
 * who has not consented; only the derived state is kept (present / away / unknown
 * and since when — never signals); it lives in its own SQLite file outside the
 * hash-chained event log so it can really be deleted (secure_delete, no WAL), and
 * it is deleted after `retentionDays` or on request. Consent, withdrawal and
 * deletion are recorded in the audit chain — that it happened and who, never the data.
 */
import { join } from 'node:path';
import Database from 'libsql';
import type { PresenceState } from '../../shared/presence/presence';
import type { PresencePublication } from '../../shared/protocol/stream';
import type { HubCore } from './hub-core';
import type { Logger } from './log';

export const PRESENCE_DB_FILE = 'presence.db';
export interface BoardEntry {
  person: string;
  state: PresenceState;
  since: string;
  /** When the hub last heard from the person's device. */
  at: string;
}

export class PresenceError extends Error {
  constructor(
    readonly code: 'no_consent',
    message: string,
  ) {
    super(message);
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS consent (person TEXT PRIMARY KEY, since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS presence (
  id     INTEGER PRIMARY KEY,
  person TEXT    NOT NULL,
  device TEXT    NOT NULL,
  state  TEXT    NOT NULL,
  since  TEXT    NOT NULL,
  at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS presence_person ON presence (person, at);
CREATE INDEX IF NOT EXISTS presence_at ON presence (at);
`;

export class PresenceService {
  private readonly db: Database.Database;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<(person: string) => void>();

  /** Called after a person's published state is stored. */
  onChange(listener: (person: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A consenting person's latest state; `unknown` for everyone else (never opted in, or
   * withdrew) and for anyone not heard from in `staleAfterMinutes` (their device is asleep,
   * offline or gone: what it last said may no longer be true).
   */
  stateOf(person: string): BoardEntry['state'] {
    if (!this.hasConsent(person)) return 'unknown';
    const row = this.db.prepare('SELECT state, at FROM presence WHERE person = ? ORDER BY at DESC, id DESC LIMIT 1').get(person) as { state: BoardEntry['state']; at: number } | undefined;
    if (!row || this.stale(row.at)) return 'unknown';
    return row.state;
  }

  private stale(at: number): boolean {
    return this.now() - at > this.o.staleAfterMinutes * 60_000;
  }

  constructor(
    dataDir: string,
    private readonly core: HubCore,
    private readonly log: Logger,
    private readonly o: { retentionDays: number; staleAfterMinutes: number },
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(join(dataDir, PRESENCE_DB_FILE));
    // Deleted means gone: overwrite freed pages, and no write-ahead log holding old copies.
    this.db.exec('PRAGMA journal_mode = DELETE; PRAGMA secure_delete = ON; PRAGMA busy_timeout = 5000;');
    this.db.exec(SCHEMA);
    this.timer = setInterval(() => void this.prune().catch((err: unknown) => this.log.error('presence retention failed', { err })), 3_600_000);
    this.timer.unref();
  }

  hasConsent(person: string): boolean {
    return this.db.prepare('SELECT 1 FROM consent WHERE person = ?').get(person) !== undefined;
  }

  /** The person turns sharing on (idempotent). Recorded in the audit chain. */
  async consent(person: string): Promise<void> {
    if (this.hasConsent(person)) return;
    await this.core.submit({ kind: 'audit', actor: person, body: { type: 'presence.consented', data: { person, shares: ['present/away/unknown', 'since'] } } });
    this.db.prepare('INSERT OR IGNORE INTO consent (person, since) VALUES (?, ?)').run(person, new Date(this.now()).toISOString());
  }

  /** The person turns sharing off: nothing more is accepted; what was kept stays until deleted or expired. */
  async withdraw(person: string): Promise<void> {
    if (!this.hasConsent(person)) return;
    await this.core.submit({ kind: 'audit', actor: person, body: { type: 'presence.withdrawn', data: { person } } });
    this.db.prepare('DELETE FROM consent WHERE person = ?').run(person);
  }

  publish(person: string, device: string, p: PresencePublication): void {
    if (!this.hasConsent(person)) throw new PresenceError('no_consent', `"${person}" has not turned presence sharing on; nothing was stored`);
    this.db.prepare('INSERT INTO presence (person, device, state, since, at) VALUES (?, ?, ?, ?, ?)').run(person, device, p.state, p.since, this.now());
    for (const l of this.listeners) l(person);
  }

  /** Each consenting person's latest state. */
  board(): BoardEntry[] {
    const rows = this.db
      .prepare(
        `SELECT p.person AS person, p.state AS state, p.since AS since, p.at AS at FROM presence p JOIN consent c ON c.person = p.person
         WHERE p.id = (SELECT id FROM presence WHERE person = p.person ORDER BY at DESC, id DESC LIMIT 1) ORDER BY p.person`,
      )
      .all() as { person: string; state: BoardEntry['state']; since: string; at: number }[];
    // Not heard from for too long: unknown since the last word (the board says when that was).
    return rows.map((r) => (this.stale(r.at) ? { person: r.person, state: 'unknown' as const, since: new Date(r.at).toISOString(), at: new Date(r.at).toISOString() } : { person: r.person, state: r.state, since: r.since, at: new Date(r.at).toISOString() }));
  }

  /** "Delete my presence data": every record and the consent. The audit chain keeps only that it happened. */
  async deleteAll(person: string): Promise<number> {
    const records = (this.db.prepare('SELECT COUNT(*) AS n FROM presence WHERE person = ?').get(person) as { n: number }).n;
    await this.core.submit({ kind: 'audit', actor: person, body: { type: 'presence.deleted', data: { person, records, why: 'request' } } });
    this.db.prepare('DELETE FROM presence WHERE person = ?').run(person);
    this.db.prepare('DELETE FROM consent WHERE person = ?').run(person);
    return records;
  }

  /** Deletes records older than the retention period; one audit event per person affected. */
  async prune(): Promise<number> {
    const cutoff = this.now() - this.o.retentionDays * 86_400_000;
    const people = this.db.prepare('SELECT person, COUNT(*) AS n FROM presence WHERE at < ? GROUP BY person').all(cutoff) as { person: string; n: number }[];
    for (const { person, n } of people) {
      await this.core.submit({ kind: 'audit', actor: 'hub', body: { type: 'presence.deleted', data: { person, records: n, why: 'retention' } } });
      this.db.prepare('DELETE FROM presence WHERE person = ? AND at < ?').run(person, cutoff);
    }
    return people.reduce((a, p) => a + p.n, 0);
  }

  /** Rows kept for a person (for tests and the privacy screen). */
  count(person: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM presence WHERE person = ?').get(person) as { n: number }).n;
  }

  close(): void {
    clearInterval(this.timer);
    this.db.close();
  }
}
