/**
 * The event log: an append-only SQLite table (libsql, WAL) whose rows are
 * hash-chained. It is the hub's source of truth and its audit trail at once.
 *
 *   hash = SHA-256( prev_hash + "\n" + canonicalJson({seq, ts, type, incidentId, actor, data}) )
 *
 * The first row's prev_hash is 64 zeros. `meta.head` keeps the last "seq:hash"
 * so that deleting rows from the end is caught too.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import AsyncDatabase from 'libsql/promise';
import { canonicalJson } from '../../../shared/canonical-json';
import { eventBodySchema, type EventDraft, type HubEvent } from '../../../shared/incidents/types';

export const GENESIS_HASH = '0'.repeat(64);
export const DB_FILE = 'earshot.db';

interface EventRow {
  seq: number;
  ts: string;
  type: string;
  incident_id: number;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * The chained hash of one event. `dataJson` is canonicalJson(event.data); the
 * string hashed is exactly canonicalJson({seq, ts, type, incidentId, actor, data}),
 * assembled with the keys in sorted order so the data is serialised only once.
 */
export function hashEvent(prevHash: string, event: HubEvent, dataJson: string = canonicalJson(event.data)): string {
  const canonical =
    `{"actor":${JSON.stringify(event.actor)},"data":${dataJson},"incidentId":${event.incidentId},` +
    `"seq":${event.seq},"ts":${JSON.stringify(event.ts)},"type":${JSON.stringify(event.type)}}`;
  return createHash('sha256').update(`${prevHash}\n${canonical}`).digest('hex');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq         INTEGER PRIMARY KEY,
  ts          TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  incident_id INTEGER NOT NULL,
  actor       TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  prev_hash   TEXT    NOT NULL,
  hash        TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident_id, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Append-only by construction: the hub never updates or deletes an event. These
-- triggers stop accidents; deliberate tampering is what the hash chain is for.
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

/** What `seal` computed for one event: its canonical data and its hash. */
export interface SealedRow {
  dataJson: string;
  hash: string;
}

/** The part of libsql's promise API the writer uses (its published types are `any`). */
interface AsyncConnection {
  exec(sql: string): Promise<unknown>;
  prepare(sql: string): Promise<AsyncStatement>;
  close(): void;
}
interface AsyncStatement {
  run(...params: unknown[]): unknown;
}

export interface StoredHead {
  seq: number;
  hash: string;
}

/**
 * Two connections to one WAL database: `db` (synchronous) reads, and `writer`
 * (libsql's promise API) appends. The writer's COMMIT — where the fsync happens —
 * runs off the JavaScript thread, so the hub keeps parsing and deciding while the
 * disk works; the inserts before it are cheap and synchronous.
 */
export class EventStore {
  private readonly db: Database.Database;
  private readonly writer: AsyncConnection;
  private readonly insert: AsyncStatement;
  private readonly setHead: AsyncStatement;
  private readonly begin: AsyncStatement;
  private head: StoredHead;

  private constructor(db: Database.Database, writer: AsyncConnection, statements: { insert: AsyncStatement; setHead: AsyncStatement; begin: AsyncStatement }) {
    this.db = db;
    this.writer = writer;
    this.insert = statements.insert;
    this.setHead = statements.setHead;
    this.begin = statements.begin;
    this.head = this.readLastRow();
  }

  static async open(dataDir: string): Promise<EventStore> {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, DB_FILE);
    const db = new Database(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
    db.exec(SCHEMA);
    const writer = new AsyncDatabase(file, {}) as unknown as AsyncConnection;
    // FULL: the WAL is fsynced at every commit, so an acknowledged (2xx) event
    // survives power loss, not just a killed process.
    await writer.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    const insert = await writer.prepare(
      'INSERT INTO events (seq, ts, type, incident_id, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const setHead = await writer.prepare("INSERT INTO meta (key, value) VALUES ('head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    // A prepared BEGIN runs synchronously (statements do; exec is async): one thread hop per commit, not two.
    const begin = await writer.prepare('BEGIN IMMEDIATE');
    return new EventStore(db, writer, { insert, setHead, begin });
  }

  get lastSeq(): number {
    return this.head.seq;
  }

  get lastHash(): string {
    return this.head.hash;
  }

  private readLastRow(): StoredHead {
    const row = this.db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
      | Pick<EventRow, 'seq' | 'hash'>
      | undefined;
    return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Gives drafts their seq, time and hash, in order, continuing the chain. Nothing is written yet. */
  seal(drafts: readonly EventDraft[], ts: string, chain: StoredHead): { events: HubEvent[]; rows: SealedRow[]; head: StoredHead } {
    const events: HubEvent[] = [];
    const rows: SealedRow[] = [];
    let { seq, hash } = chain;
    for (const draft of drafts) {
      seq += 1;
      const event = { ...draft, seq, ts } as HubEvent;
      const dataJson = canonicalJson(event.data);
      hash = hashEvent(hash, event, dataJson);
      events.push(event);
      rows.push({ dataJson, hash });
    }
    return { events, rows, head: { seq, hash } };
  }

  /**
   * Writes sealed events in one transaction (one fsync). Rejects, writing nothing,
   * on failure. Callers must not start another append before this one settles.
   */
  async append(events: readonly HubEvent[], rows: readonly SealedRow[]): Promise<void> {
    if (events.length === 0) return;
    let prev = this.head.hash;
    this.begin.run();
    try {
      events.forEach((e, i) => {
        const { dataJson, hash } = rows[i] as SealedRow;
        this.insert.run(e.seq, e.ts, e.type, e.incidentId, e.actor, dataJson, prev, hash);
        prev = hash;
      });
      const last = events[events.length - 1] as HubEvent;
      this.setHead.run(`${last.seq}:${prev}`);
      await this.writer.exec('COMMIT');
    } catch (err) {
      await this.writer.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
    this.head = { seq: (events[events.length - 1] as HubEvent).seq, hash: prev };
  }

  /** Every stored event in order, parsed. */
  *readAll(fromSeq = 0): Generator<HubEvent> {
    const stmt = this.db.prepare('SELECT seq, ts, type, incident_id, actor, data FROM events WHERE seq > ? ORDER BY seq');
    for (const row of stmt.iterate(fromSeq) as IterableIterator<EventRow>) yield rowToEvent(row);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  sizeBytes(): number {
    // libsql's pragma({ simple: true }) returns the row, not the value: read the row.
    const { page_count } = this.db.prepare('PRAGMA page_count').get() as { page_count: number };
    const { page_size } = this.db.prepare('PRAGMA page_size').get() as { page_size: number };
    return page_count * page_size;
  }

  close(): void {
    this.writer.close();
    this.db.close();
  }
}

function rowToEvent(row: EventRow): HubEvent {
  const body = eventBodySchema.parse({ type: row.type, data: JSON.parse(row.data) as unknown });
  return { seq: row.seq, ts: row.ts, incidentId: row.incident_id, actor: row.actor, ...body };
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  head: StoredHead;
  /** The first row that fails, and why. */
  problem?: { seq: number | null; reason: string };
}

/**
 * Walks the chain from the first row. Catches a modified row (hash mismatch), a
 * deleted, inserted or reordered row (seq gap or prev_hash mismatch), and rows
 * cut from the end (meta.head, or `expectHead` recorded elsewhere).
 */
export function verifyChain(dataDir: string, expectHead?: string): VerifyResult {
  const db = new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    const fail = (seq: number | null, reason: string): VerifyResult => ({
      ok: false,
      rows,
      head: { seq: expectedSeq - 1, hash: prev },
      problem: { seq, reason },
    });
    // rowid order is insertion order for an INTEGER PRIMARY KEY table; walking by
    // seq and checking both seq and prev_hash catches moved rows either way.
    const stmt = db.prepare('SELECT seq, ts, type, incident_id, actor, data, prev_hash, hash FROM events ORDER BY seq');
    for (const row of stmt.iterate() as IterableIterator<EventRow>) {
      if (row.seq !== expectedSeq) {
        return fail(row.seq, row.seq > expectedSeq ? `row ${expectedSeq} is missing (next row is ${row.seq})` : `unexpected seq ${row.seq}`);
      }
      if (row.prev_hash !== prev) return fail(row.seq, "prev_hash does not match the previous row's hash (row inserted, deleted or reordered)");
      let event: HubEvent;
      try {
        event = rowToEvent(row);
      } catch (err) {
        return fail(row.seq, `row does not parse as an event: ${(err as Error).message.split('\n')[0] ?? ''}`);
      }
      if (hashEvent(prev, event) !== row.hash) return fail(row.seq, 'hash does not match the row (row modified)');
      prev = row.hash;
      expectedSeq += 1;
      rows += 1;
    }
    const head = { seq: expectedSeq - 1, hash: prev };
    const stored = db.prepare("SELECT value FROM meta WHERE key = 'head'").get() as { value: string } | undefined;
    const recorded = expectHead ?? stored?.value;
    if (recorded !== undefined && recorded !== `${head.seq}:${head.hash}`) {
      const [seqText] = recorded.split(':');
      return {
        ok: false,
        rows,
        head,
        problem: {
          seq: Number(seqText),
          reason: `the chain ends at ${head.seq}:${head.hash.slice(0, 12)}… but the recorded head is ${recorded.slice(0, 24)}… (rows cut from the end?)`,
        },
      };
    }
    return { ok: true, rows, head };
  } finally {
    db.close();
  }
}
