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
import { canonicalJson } from '../../../shared/canonical-json';
import { eventBodySchema, type EventDraft, type HubEvent } from '../../../shared/incidents/types';
import { EventWriter } from './event-writer';

export const GENESIS_HASH = '0'.repeat(64);
export const DB_FILE = 'earshot.db';

/** The columns an event is read back from (rowToEvent). */
const EVENT_COLUMNS = 'seq, ts, type, incident_id, actor, data';

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
 * The hashed text of one event is `prev_hash + "\n" + prefix + dataJson + suffix`,
 * which is exactly `prev_hash + "\n" + canonicalJson({seq, ts, type, incidentId, actor, data})`:
 * the keys are in sorted order and `data` (already canonical, and large) is not
 * copied. The writer thread hashes the parts in this order; `hashEvent` (verify)
 * joins them. This is the one place the format is written down.
 */
export function eventHashParts(event: Omit<HubEvent, 'data'>): { prefix: string; suffix: string } {
  return {
    prefix: `{"actor":${JSON.stringify(event.actor)},"data":`,
    suffix: `,"incidentId":${event.incidentId},"seq":${event.seq},"ts":${JSON.stringify(event.ts)},"type":${JSON.stringify(event.type)}}`,
  };
}

/** The chained hash of one event. `dataJson` is canonicalJson(event.data). */
export function hashEvent(prevHash: string, event: HubEvent, dataJson: string = canonicalJson(event.data)): string {
  const { prefix, suffix } = eventHashParts(event);
  return createHash('sha256').update(`${prevHash}\n${prefix}${dataJson}${suffix}`).digest('hex');
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

/** What `seal` computed for one event: its canonical data (hashed and stored by the writer). */
export interface SealedRow {
  dataJson: string;
}

export interface StoredHead {
  seq: number;
  hash: string;
}

/**
 * Two connections to one WAL database: `db` (synchronous, on the hub's thread)
 * reads, and the writer thread (see event-writer.ts) hashes and appends. Hashing,
 * inserting and the COMMIT with its fsync all run off the JavaScript thread, so
 * the hub keeps parsing, deciding and streaming while the disk works.
 */
export class EventStore {
  private readonly db: Database.Database;
  private writer: EventWriter;
  private head: StoredHead;

  private constructor(
    db: Database.Database,
    private readonly file: string,
    writer: EventWriter,
    head: StoredHead,
  ) {
    this.db = db;
    this.writer = writer;
    this.head = head;
  }

  private restarting: Promise<void> | undefined;

  static async open(dataDir: string): Promise<EventStore> {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, DB_FILE);
    const db = new Database(file);
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
      db.exec(SCHEMA);
      const head = readLastRow(db);
      return new EventStore(db, file, await EventWriter.start(file, head), head);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get lastSeq(): number {
    return this.head.seq;
  }

  get lastHash(): string {
    return this.head.hash;
  }

  /** Gives drafts their seq and time, in order after `seq`, and their canonical data. Nothing is written yet. */
  seal(drafts: readonly EventDraft[], ts: string, seq: number): { events: HubEvent[]; rows: SealedRow[]; seq: number } {
    const events: HubEvent[] = [];
    const rows: SealedRow[] = [];
    for (const draft of drafts) {
      seq += 1;
      const event = { ...draft, seq, ts } as HubEvent;
      events.push(event);
      rows.push({ dataJson: canonicalJson(event.data) });
    }
    return { events, rows, seq };
  }

  /**
   * Chains, writes and commits sealed events in one transaction (one fsync), on
   * the writer thread. Rejects, writing nothing, on failure. Appends may overlap:
   * they are written and settle in the order they were made, and one that fails
   * fails those after it (the writer refuses a batch that does not continue the
   * last committed seq).
   */
  async append(events: readonly HubEvent[], rows: readonly SealedRow[]): Promise<void> {
    if (events.length === 0) return;
    const writerRows = events.map((e, i) => ({
      seq: e.seq,
      ts: e.ts,
      type: e.type,
      incidentId: e.incidentId,
      actor: e.actor,
      dataJson: (rows[i] as SealedRow).dataJson,
      ...eventHashParts(e),
    }));
    if (this.writer.failure || this.restarting) {
      // The writer thread died (a crash, not a refused transaction): start another from
      // what is on disk — one, however many appends are waiting for it.
      this.restarting ??= (async () => {
        this.head = readLastRow(this.db);
        this.writer = await EventWriter.start(this.file, this.head);
      })().finally(() => {
        this.restarting = undefined;
      });
      await this.restarting;
    }
    try {
      const hash = await this.writer.append(writerRows);
      this.head = { seq: (events[events.length - 1] as HubEvent).seq, hash };
    } catch (err) {
      // What is on disk is the truth: a writer that died after its COMMIT but before
      // answering leaves the batch stored. The caller rebuilds from `lastSeq`.
      this.head = readLastRow(this.db);
      throw err;
    }
  }

  /**
   * Every stored event in order, parsed; with `only`, just hub-level events and those of
   * the incidents named (the others are skipped before their data is parsed).
   */
  *readAll(fromSeq = 0, only?: ReadonlySet<number>): Generator<HubEvent> {
    const stmt = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq`);
    for (const row of stmt.iterate(fromSeq) as IterableIterator<EventRow>) {
      if (only && row.incident_id !== 0 && !only.has(row.incident_id)) continue;
      yield rowToEvent(row);
    }
  }

  /**
   * Every incident with the seq it was resolved at (null while open), and the incidents
   * with an event after `afterSeq` — read from the columns, no event data parsed.
   */
  incidentIndex(afterSeq: number): { resolvedAt: Map<number, number | null>; recent: Set<number> } {
    const resolvedAt = new Map<number, number | null>();
    const rows = this.db
      .prepare("SELECT incident_id AS id, max(CASE WHEN type = 'incident.resolved' THEN seq END) AS resolved FROM events WHERE incident_id > 0 GROUP BY incident_id")
      .all() as { id: number; resolved: number | null }[];
    for (const r of rows) resolvedAt.set(r.id, r.resolved);
    const recent = new Set((this.db.prepare('SELECT DISTINCT incident_id AS id FROM events WHERE seq > ? AND incident_id > 0').all(afterSeq) as { id: number }[]).map((r) => r.id));
    return { resolvedAt, recent };
  }

  /**
   * Where a replay buffer of at most `maxEvents` events and `maxBytes` of their data begins: the
   * seq after which the newest such events lie (the newest is always in). Data is a lower bound on
   * a stream message's length, so the window found is never smaller than the buffer's.
   */
  replayStart(maxEvents: number, maxBytes: number): number {
    if (maxEvents <= 0) return this.lastSeq;
    const rows = this.db.prepare('SELECT seq, length(data) AS n FROM events ORDER BY seq DESC LIMIT ?').all(maxEvents) as { seq: number; n: number }[];
    let bytes = 0;
    let from = this.lastSeq;
    for (const [i, r] of rows.entries()) {
      bytes += r.n;
      if (i > 0 && bytes > maxBytes) break;
      from = r.seq - 1;
    }
    return from;
  }

  /** One incident's events in order, parsed (for an incident no longer held in memory). */
  readIncident(incidentId: number): HubEvent[] {
    const rows = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE incident_id = ? ORDER BY seq`).all(incidentId) as EventRow[];
    return rows.map(rowToEvent);
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

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }
}

function readLastRow(db: Database.Database): StoredHead {
  const row = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as Pick<EventRow, 'seq' | 'hash'> | undefined;
  return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
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
