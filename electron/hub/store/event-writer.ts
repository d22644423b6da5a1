/**
 * The event log's writer: a worker thread with its own SQLite connection that
 * hashes, inserts and commits (fsync) each batch of sealed events, so none of it
 * runs on the hub's JavaScript thread. The hub thread keeps parsing, deciding and
 * streaming while the worker writes; with two or more cores that is real
 * parallelism, not just the fsync off-thread.
 *
 * The worker is plain CommonJS in a string (`eval: true`): it then runs the same
 * under tsx, vitest and electron-vite's bundle, with no extra build entry and no
 * file to locate at run time. It is small on purpose; the hash format lives in
 * event-store.ts (`eventHashParts`), the worker only feeds the parts to SHA-256 in
 * order: prev_hash, "\n", prefix, data, suffix.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One sealed event as the worker needs it: the columns, and the hashed text in three parts. */
export interface WriterRow {
  seq: number;
  ts: string;
  type: string;
  incidentId: number;
  actor: string;
  /** Canonical JSON of the event's data: the `data` column, and the middle of the hashed text. */
  dataJson: string;
  prefix: string;
  suffix: string;
}

interface WriterReply {
  id: number;
  ok: boolean;
  hash?: string;
  message?: string;
  code?: string;
}

const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const Database = require(workerData.libsqlPath);
let db;
let insert;
let setHead;
let begin;
let commit;
let rollback;
let prev = workerData.headHash;
let lastSeq = workerData.headSeq;
try {
  db = new Database(workerData.file);
  // FULL: the WAL is fsynced at every commit, so an acknowledged (2xx) event
  // survives power loss, not just a killed process.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
  insert = db.prepare('INSERT INTO events (seq, ts, type, incident_id, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  setHead = db.prepare("INSERT INTO meta (key, value) VALUES ('head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  begin = db.prepare('BEGIN IMMEDIATE');
  commit = db.prepare('COMMIT');
  rollback = db.prepare('ROLLBACK');
  parentPort.postMessage({ id: 0, ok: true });
} catch (err) {
  parentPort.postMessage({ id: 0, ok: false, message: String((err && err.message) || err), code: err && err.code });
}
parentPort.on('message', (msg) => {
  if (msg.kind === 'close') {
    if (db) db.close();
    parentPort.close();
    return;
  }
  let hash = prev;
  let open = false;
  try {
    // Batches may be queued behind one that failed: those were chained onto it, so they are refused too.
    const first = msg.rows[0].seq;
    if (first !== lastSeq + 1) throw Object.assign(new Error('batch starts at seq ' + first + ', expected ' + (lastSeq + 1) + ' (an earlier batch failed)'), { code: 'EARSHOT_OUT_OF_SEQUENCE' });
    begin.run();
    open = true;
    for (const row of msg.rows) {
      const next = createHash('sha256').update(hash).update('\n').update(row.prefix).update(row.dataJson).update(row.suffix).digest('hex');
      insert.run(row.seq, row.ts, row.type, row.incidentId, row.actor, row.dataJson, hash, next);
      hash = next;
    }
    setHead.run(msg.rows[msg.rows.length - 1].seq + ':' + hash);
    commit.run();
    prev = hash;
    lastSeq = msg.rows[msg.rows.length - 1].seq;
    parentPort.postMessage({ id: msg.id, ok: true, hash });
  } catch (err) {
    if (open) {
      try { rollback.run(); } catch (ignored) { /* the transaction is already gone */ }
    }
    parentPort.postMessage({ id: msg.id, ok: false, message: String((err && err.message) || err), code: err && err.code });
  }
});
`;

/**
 * Owns the worker. Appends may be queued: the worker takes them in order, keeps
 * the chain's head and only advances it on a commit.
 */
export class EventWriter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (hash: string) => void; reject: (err: Error) => void }>();
  private dead: Error | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (reply: WriterReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (reply.ok) w.resolve(reply.hash as string);
      else w.reject(Object.assign(new Error(reply.message ?? 'the event writer failed'), { code: reply.code }));
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the event writer thread exited (${code})`)));
  }

  /** Starts the worker on `file`, continuing the chain from `head`. Rejects if it cannot open the database. */
  static async start(file: string, head: { seq: number; hash: string }): Promise<EventWriter> {
    const libsqlPath = createRequire(import.meta.url).resolve('libsql');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, headHash: head.hash, headSeq: head.seq, libsqlPath } });
    const writer = new EventWriter(worker);
    try {
      await writer.request(0, undefined);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    // The hub may exit while the writer idles; an idle worker must not keep it alive.
    worker.unref();
    return writer;
  }

  private request(id: number, message: unknown): Promise<string> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (message !== undefined) this.worker.postMessage(message);
    });
  }

  /** Hashes, inserts and commits `rows` in one transaction; resolves with the new head hash once it is on disk. */
  append(rows: readonly WriterRow[]): Promise<string> {
    const id = this.nextId++;
    // While a commit is outstanding the worker must keep the process alive: a 2xx depends on it.
    this.worker.ref();
    return this.request(id, { kind: 'append', id, rows }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    });
  }

  get failure(): Error | undefined {
    return this.dead;
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage({ kind: 'close' });
    await exited;
  }
}
