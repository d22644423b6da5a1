/**
 * Where webhook bodies are decoded (JSON.parse, schema, normalising): on a small
 * pool of worker threads, so the hub's own thread only decides, streams and
 * answers. On a machine with one core, or when no worker script can be found,
 * decoding runs inline — same function, same results.
 *
 * Worker scripts: the TypeScript source next to this file (under tsx and the test
 * runner, which load it with tsx), or `ingest-decoder.js` from the electron-vite
 * build (out/main/).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import type { IngestContext } from './common';
import { decodeIngest, type DecodableSender, type DecodedIngest } from './decode';

/** Decode threads to start for `setting` ('auto': one per core beyond the hub's own, at most 2). */
export function decodeThreadCount(setting: number | 'auto', cores = availableParallelism()): number {
  return setting === 'auto' ? Math.max(0, Math.min(2, cores - 1)) : setting;
}

const START_TIMEOUT_MS = 20_000;
const MAX_RESTARTS_PER_MINUTE = 3;

interface WorkerReply {
  id: number;
  /** The DecodedIngest, as JSON. */
  json?: string;
  fault?: string;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, { resolve: (r: DecodedIngest) => void; reject: (err: Error) => void }>;
}

/** A worker that died mid-request: the request failed for a reason of ours, not the sender's. */
export class DecodeFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeFault';
  }
}

function workerScript(): { url: URL; execArgv?: string[] } | undefined {
  // From the sources: a small .mjs that registers tsx in the worker, then loads decode-worker.ts.
  const source = new URL('./decode-worker-tsx.mjs', import.meta.url);
  if (source.protocol === 'file:' && existsSync(fileURLToPath(source))) {
    // No inherited flags: the worker registers tsx itself (an inherited `--import tsx`
    // would register it twice where Node applies it to workers), and per-process
    // V8 flags are refused in a worker's execArgv.
    return { url: source, execArgv: [] };
  }
  // From the electron-vite build: its own entry, next to the chunk or one level up.
  for (const candidate of ['./ingest-decoder.js', '../ingest-decoder.js']) {
    const url = new URL(candidate, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return { url };
  }
  return undefined;
}

export class IngestDecoder {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private restarts: number[] = [];

  private constructor(
    private readonly script: { url: URL; execArgv?: string[] } | undefined,
    private readonly log: Logger,
  ) {}

  /** Starts `threads` decode workers (0: decode inline). Falls back to inline, with a warning, if none start. */
  static async start(threads: number, log: Logger): Promise<IngestDecoder> {
    const script = threads > 0 ? workerScript() : undefined;
    const decoder = new IngestDecoder(script, log);
    if (threads > 0 && !script) log.warn('no decode worker script found; decoding webhooks on the main thread');
    if (script) {
      const started = await Promise.allSettled(Array.from({ length: threads }, () => decoder.spawn()));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) log.warn('a decode worker did not start; decoding with fewer threads', { err: failed.reason as unknown, started: decoder.slots.length });
    }
    return decoder;
  }

  /** Decodes on the calling thread. */
  static inline(log: Logger): IngestDecoder {
    return new IngestDecoder(undefined, log);
  }

  /** Decode threads running (0: inline). */
  get threads(): number {
    return this.slots.length;
  }

  private spawn(): Promise<void> {
    const script = this.script as { url: URL; execArgv?: string[] };
    let worker: Worker;
    try {
      worker = new Worker(script.url, script.execArgv ? { execArgv: script.execArgv } : {});
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const slot: Slot = { worker, inFlight: new Map() };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const startTimer = setTimeout(() => void worker.terminate(), START_TIMEOUT_MS);
      worker.on('message', (reply: WorkerReply | { ready: true }) => {
        if ('ready' in reply) {
          ready = true;
          clearTimeout(startTimer);
          worker.unref(); // an idle decoder never keeps the hub alive
          this.slots.push(slot);
          resolve();
          return;
        }
        const waiter = slot.inFlight.get(reply.id);
        if (!waiter) return;
        slot.inFlight.delete(reply.id);
        if (reply.json !== undefined) waiter.resolve(JSON.parse(reply.json) as DecodedIngest);
        // A bug in decoding (not bad input, which comes back as data): a 500, as it would be inline.
        else waiter.reject(new Error(`decoding failed: ${reply.fault ?? 'unknown error'}`));
      });
      let gone = false;
      const lost = (err: Error) => {
        if (gone) return;
        gone = true;
        clearTimeout(startTimer);
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        for (const w of slot.inFlight.values()) w.reject(new DecodeFault(`a decode worker stopped: ${err.message}`));
        slot.inFlight.clear();
        if (!ready) return reject(err);
        if (this.closed) return;
        // Restart, but not in a loop: a worker that keeps dying leaves fewer threads (at worst, inline decoding).
        const now = Date.now();
        this.restarts = this.restarts.filter((t) => now - t < 60_000);
        if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
          this.log.error('a decode worker stopped again; decoding with fewer threads', { err, threads: this.slots.length });
          return;
        }
        this.restarts.push(now);
        this.log.error('a decode worker stopped; starting another', { err });
        this.spawn().catch((e: unknown) => this.log.error('could not restart a decode worker; decoding with fewer threads', { err: e, threads: this.slots.length }));
      };
      worker.on('error', lost);
      worker.on('exit', (code) => lost(new Error(ready ? `exited with code ${code}` : `did not start (exit code ${code})`)));
    });
  }

  decode(sender: DecodableSender, raw: Buffer, ctx: IngestContext): Promise<DecodedIngest> {
    if (this.slots.length === 0) {
      try {
        return Promise.resolve(decodeIngest(sender, raw, ctx));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    // The least busy worker.
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.inFlight.size < slot.inFlight.size) slot = s;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      // A body in a buffer of its own moves to the worker without a copy; a slice of
      // Node's shared pool is copied (transferring it would take the pool away).
      const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
      try {
        slot.worker.postMessage({ id, sender, body: raw, ctx }, own ? [raw.buffer as ArrayBuffer] : []);
      } catch (err) {
        slot.inFlight.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
