/**
 * The hub's core: the engine's state, the event log, and the order of things.
 *
 * submit(command):
 *   decide -> seal (seq, time, hash) -> apply to the in-memory state -> queue
 * flush (next turn of the event loop, for everything queued meanwhile):
 *   one SQLite transaction (one fsync) -> broadcast -> resolve the callers
 *
 * Callers (HTTP handlers, stream commands) answer only after their events are
 * committed. Grouping the commits is what lets durable ingest keep up with a
 * sender that posts concurrently. If a commit fails, the state is rebuilt from
 * the log so memory never holds what disk does not.
 */
import {
  DEFAULT_ENGINE_CONFIG,
  EngineError,
  apply,
  createEngineState,
  decide,
  toSummary,
  touchAlerts,
  type Command,
  type EngineConfig,
  type EngineState,
  type IncidentRecord,
} from '../../shared/incidents/engine';
import type { HubEvent, IncidentSummary } from '../../shared/incidents/types';
import type { ServerMessage } from '../../shared/protocol/stream';
import type { Logger } from './log';
import type { EventStore, SealedRow, StoredHead } from './store/event-store';

export interface SubmitOutcome {
  /** The incident the command concerned, as it stands after the command. */
  incident?: IncidentSummary;
  events: HubEvent[];
}

export class HubFault extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HubFault';
  }
}

/** A committed event, serialised once for every stream client. */
export interface Broadcast {
  seq: number;
  message: string;
}

interface PendingBatch {
  events: HubEvent[];
  rows: SealedRow[];
  broadcasts: Broadcast[];
  waiters: { resolve: () => void; reject: (err: Error) => void }[];
}

export interface HubCoreOptions {
  store: EventStore;
  engine?: Partial<EngineConfig>;
  replayEvents: number;
  log: Logger;
  now?: () => number;
}

export class HubCore {
  state: EngineState = createEngineState();
  readonly engineConfig: EngineConfig;
  private readonly store: EventStore;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Head of the chain including sealed but not yet committed events. */
  private chain: StoredHead;
  private pending: PendingBatch = emptyBatch();
  private flushScheduled = false;
  private readonly replay: ReplayBuffer;
  private readonly listeners = new Set<(b: Broadcast) => void>();
  private closed = false;

  constructor(options: HubCoreOptions) {
    this.store = options.store;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.engineConfig = { ...DEFAULT_ENGINE_CONFIG, ...options.engine };
    this.replay = new ReplayBuffer(options.replayEvents);
    this.chain = { seq: options.store.lastSeq, hash: options.store.lastHash };
    this.rebuild();
  }

  /** Folds the whole log into a fresh state (at start, and after a failed commit). */
  private rebuild(): void {
    const state = createEngineState();
    const replayFrom = this.store.lastSeq - this.replay.capacity;
    this.replay.clear();
    for (const event of this.store.readAll()) {
      apply(state, event, this.engineConfig);
      if (event.seq > replayFrom) this.replay.push(toBroadcast(event, state));
    }
    // Refresh times are not stored (see IncidentRecord.alertSeenAt): after a
    // restart every open alert gets a full staleness window again.
    const nowMs = this.now();
    for (const id of state.openByKey.values()) {
      const inc = state.incidents.get(id);
      if (inc) for (const fp of inc.alerts.keys()) inc.alertSeenAt.set(fp, nowMs);
    }
    this.state = state;
    this.chain = { seq: this.store.lastSeq, hash: this.store.lastHash };
  }

  get seq(): number {
    return this.state.lastSeq;
  }

  /** Committed seq: what stream clients have been (or are being) sent. */
  get committedSeq(): number {
    return this.store.lastSeq;
  }

  submit(command: Command): Promise<SubmitOutcome> {
    if (this.closed) return Promise.reject(new HubFault('the hub is shutting down'));
    const nowMs = this.now();
    let decision;
    try {
      decision = decide(this.state, command, nowMs, this.engineConfig);
    } catch (err) {
      return Promise.reject(err instanceof EngineError ? err : new HubFault('engine failed', { cause: err }));
    }
    let events: HubEvent[] = [];
    if (decision.drafts.length > 0) {
      const sealed = this.store.seal(decision.drafts, new Date(nowMs).toISOString(), this.chain);
      events = sealed.events;
      for (const event of events) {
        apply(this.state, event, this.engineConfig);
        this.pending.broadcasts.push(toBroadcast(event, this.state));
      }
      this.pending.events.push(...events);
      this.pending.rows.push(...sealed.rows);
      this.chain = sealed.head;
    }
    if (command.kind === 'ingest') {
      touchAlerts(this.state, command.batch.key, command.batch.alerts.map((a) => a.fingerprint), nowMs);
    }
    const outcome = (): SubmitOutcome => {
      const inc = decision.incidentId === undefined ? undefined : this.state.incidents.get(decision.incidentId);
      return inc ? { incident: toSummary(inc), events } : { events };
    };
    // Even a command that changed nothing waits for what is queued before it: a
    // repeated notification must not be answered 2xx before the first is on disk.
    if (this.pending.events.length === 0) return Promise.resolve(outcome());
    return new Promise<void>((resolve, reject) => {
      this.pending.waiters.push({ resolve, reject });
      this.scheduleFlush();
    }).then(outcome);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits everything queued. Synchronous: nothing can be submitted in between. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = emptyBatch();
    if (batch.events.length === 0) {
      for (const w of batch.waiters) w.resolve();
      return;
    }
    try {
      this.store.append(batch.events, batch.rows);
    } catch (err) {
      this.log.error('commit failed; rebuilding state from the log', { err, events: batch.events.length });
      const fault = new HubFault('could not store the events', { cause: err });
      for (const w of batch.waiters) w.reject(fault);
      this.rebuild();
      return;
    }
    for (const b of batch.broadcasts) {
      this.replay.push(b);
      for (const listener of this.listeners) listener(b);
    }
    for (const w of batch.waiters) w.resolve();
  }

  /** Commits anything queued, so what is read next is exactly what is on disk. */
  settle(): void {
    if (this.pending.events.length > 0) this.flush();
  }

  onBroadcast(listener: (b: Broadcast) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Committed events after `seq`, or null when they are no longer all in memory. */
  replayAfter(seq: number): Broadcast[] | null {
    return this.replay.after(seq, this.committedSeq);
  }

  incident(id: number): IncidentRecord | undefined {
    return this.state.incidents.get(id);
  }

  /** Open incidents and the `resolvedLimit` most recently resolved ones, newest first. */
  listIncidents(filter: { statuses?: ReadonlySet<string>; limit?: number; resolvedLimit?: number } = {}): IncidentSummary[] {
    const out: IncidentSummary[] = [];
    let resolved = 0;
    const ids = [...this.state.incidents.keys()].sort((a, b) => b - a);
    for (const id of ids) {
      const inc = this.state.incidents.get(id) as IncidentRecord;
      if (filter.statuses && !filter.statuses.has(inc.status)) continue;
      if (inc.status === 'resolved' && filter.resolvedLimit !== undefined && resolved++ >= filter.resolvedLimit) continue;
      out.push(toSummary(inc));
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  countsByStatus(): Record<string, number> {
    const counts: Record<string, number> = { triggered: 0, acknowledged: 0, resolved: 0 };
    for (const inc of this.state.incidents.values()) counts[inc.status] = (counts[inc.status] ?? 0) + 1;
    return counts;
  }

  /** Stops taking commands and commits what is queued. */
  close(): void {
    this.closed = true;
    this.flush();
  }
}

function emptyBatch(): PendingBatch {
  return { events: [], rows: [], broadcasts: [], waiters: [] };
}

function toBroadcast(event: HubEvent, state: EngineState): Broadcast {
  const inc = state.incidents.get(event.incidentId) as IncidentRecord;
  const message: ServerMessage = { type: 'event', seq: event.seq, event, incident: toSummary(inc) };
  return { seq: event.seq, message: JSON.stringify(message) };
}

/** The last N broadcasts, for clients that reconnect. Consecutive seqs, so lookup is arithmetic. */
class ReplayBuffer {
  private items: (Broadcast | undefined)[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<Broadcast | undefined>(capacity);
  }

  clear(): void {
    this.items = new Array<Broadcast | undefined>(this.capacity);
    this.start = 0;
    this.size = 0;
  }

  push(b: Broadcast): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = b;
      this.size++;
    } else {
      this.items[this.start] = b;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  after(seq: number, lastSeq: number): Broadcast[] | null {
    if (seq >= lastSeq) return seq === lastSeq ? [] : null;
    if (this.size === 0) return null;
    const first = (this.items[this.start] as Broadcast).seq;
    if (seq + 1 < first) return null;
    const out: Broadcast[] = [];
    for (let i = seq + 1 - first; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity] as Broadcast);
    return out;
  }
}
