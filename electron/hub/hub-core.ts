/**
 * The hub's core: the engine's state, the event log, and the order of things.
 *
 * submit(command):
 *   decide -> seal (seq, time, hash) -> apply to the in-memory state -> queue
 * flush (next turn of the event loop, for everything queued meanwhile):
 *   one SQLite transaction (one fsync) -> broadcast -> resolve the callers
 *   Up to two transactions are handed to the writer thread at once, so it starts
 *   the next as soon as one is on disk instead of waiting for this thread to hear
 *   back; they complete in order.
 *
 * Memory: open incidents, and the `resolvedInMemory` most recently resolved, are
 * held in memory; older resolved incidents are dropped once their events are on
 * disk (an incident keeps every alert it ever had — about 1.3 kB of resident
 * memory each, measured — so a hub that runs for months would otherwise grow
 * without bound) and read back from the log when asked for. A command naming one
 * (a runbook step finishing late, an ack that will be refused) brings it back
 * first, so the engine decides as it always did.
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
import { canonicalJson } from '../../shared/canonical-json';
import type { Logger } from './log';
import type { EventStore, SealedRow } from './store/event-store';

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
  /** The stream message, serialised once for every client. */
  message: string;
  /** The event's type and incident, for listeners in the hub (no need to parse `message`). */
  type: HubEvent['type'];
  incidentId: number;
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
  /**
   * The most the replay buffer's messages may add up to (UTF-16 code units, about bytes
   * for the JSON the hub writes); the oldest go first. Default 64 MiB: a 50-alert
   * notification is 10–20 kB, so 10,000 of them would otherwise hold 100–200 MB.
   */
  replayBytes?: number;
  /** Resolved incidents held in memory (the most recently resolved); default 1,000. */
  resolvedInMemory?: number;
  log: Logger;
  now?: () => number;
}

export const DEFAULT_REPLAY_BYTES = 64 * 1_048_576;

/** Transactions handed to the writer at once (it works through them in order). */
const MAX_IN_FLIGHT = 2;

export class HubCore {
  state: EngineState = createEngineState();
  readonly engineConfig: EngineConfig;
  private readonly store: EventStore;
  private readonly log: Logger;
  private readonly now: () => number;
  /** The last seq sealed, including events not yet committed. */
  private sealedSeq: number;
  private pending: PendingBatch = emptyBatch();
  /** Handed to the writer, oldest first (at most MAX_IN_FLIGHT). */
  private inFlight: PendingBatch[] = [];
  /** Bumped when a commit fails: completions of batches sent before that are void. */
  private generation = 0;
  private committed: number;
  private flushScheduled = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly resetListeners = new Set<() => void>();
  private readonly replay: ReplayBuffer;
  private readonly listeners = new Set<(b: Broadcast) => void>();
  private closed = false;
  private readonly resolvedInMemory: number;
  /** Resolved incidents in memory, in the order they were resolved (oldest first). */
  private resolvedOrder = new Set<number>();
  /** Resolved incidents dropped from memory (still in the log). */
  private dropped = 0;

  constructor(options: HubCoreOptions) {
    this.store = options.store;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.engineConfig = { ...DEFAULT_ENGINE_CONFIG, ...options.engine };
    this.replay = new ReplayBuffer(options.replayEvents, options.replayBytes ?? DEFAULT_REPLAY_BYTES);
    this.resolvedInMemory = options.resolvedInMemory ?? 1_000;
    this.sealedSeq = options.store.lastSeq;
    this.committed = options.store.lastSeq;
    this.rebuild();
  }

  /**
   * Folds the log into a fresh state (at start, and after a failed commit): the open
   * incidents, the `resolvedInMemory` resolved last, and any with an event recent enough
   * to be replayed to a reconnecting client (its messages carry the incident; recent by the
   * replay buffer's count and bytes). The events of the others are not even parsed, so a
   * long history costs a scan, not memory.
   */
  private rebuild(): void {
    const state = createEngineState();
    const replayFrom = this.store.replayStart(this.replay.capacity, this.replay.maxBytes);
    this.replay.clear();
    const { resolvedAt, recent } = this.store.incidentIndex(replayFrom);
    const resolved = [...resolvedAt].filter((e): e is [number, number] => e[1] !== null).sort((a, b) => a[1] - b[1]);
    const keep = new Set<number>(recent);
    for (const [id, at] of resolvedAt) if (at === null) keep.add(id);
    for (const [id] of resolved.slice(Math.max(0, resolved.length - this.resolvedInMemory))) keep.add(id);
    this.resolvedOrder = new Set(resolved.map(([id]) => id).filter((id) => keep.has(id)));
    this.dropped = resolved.length - this.resolvedOrder.size;
    for (const event of this.store.readAll(0, keep)) {
      apply(state, event, this.engineConfig);
      if (event.seq > replayFrom) this.replay.push(toBroadcast(event, canonicalJson(event.data), state));
    }
    // What was not folded still counts: ids go on after the highest, seqs after the last.
    for (const id of resolvedAt.keys()) if (id >= state.nextId) state.nextId = id + 1;
    state.lastSeq = Math.max(state.lastSeq, this.store.lastSeq);
    // Refresh times are not stored (see IncidentRecord.alertSeenAt): after a
    // restart every open alert gets a full staleness window again.
    const nowMs = this.now();
    for (const id of state.openByKey.values()) {
      const inc = state.incidents.get(id);
      if (inc) for (const fp of inc.alerts.keys()) inc.alertSeenAt.set(fp, nowMs);
    }
    this.state = state;
    this.sealedSeq = this.store.lastSeq;
    this.committed = this.store.lastSeq;
    this.dropResolved();
  }

  /** Drops the oldest resolved incidents beyond `resolvedInMemory` whose events are all on disk. */
  private dropResolved(): void {
    for (const id of this.resolvedOrder) {
      if (this.resolvedOrder.size <= this.resolvedInMemory) return;
      const inc = this.state.incidents.get(id);
      if (inc && inc.lastSeq > this.committed) return; // still being committed: later
      this.resolvedOrder.delete(id);
      if (inc) {
        this.state.incidents.delete(id);
        this.dropped++;
      }
    }
  }

  /** An incident as the log has it, folded apart from the live state (for one no longer in memory). */
  private fromLog(id: number): IncidentRecord | undefined {
    if (!Number.isSafeInteger(id) || id < 1 || id >= this.state.nextId) return undefined;
    const events = this.store.readIncident(id);
    if (events.length === 0) return undefined;
    const state = createEngineState();
    for (const event of events) apply(state, event, this.engineConfig);
    return state.incidents.get(id);
  }

  /** Brings a dropped incident back into memory, so a command can name it. */
  private recall(id: number): void {
    if (this.state.incidents.has(id)) return;
    const inc = this.fromLog(id);
    if (!inc) return;
    this.state.incidents.set(id, inc);
    if (inc.status === 'resolved') {
      this.resolvedOrder.add(id);
      this.dropped--;
    }
  }

  get seq(): number {
    return this.state.lastSeq;
  }

  /** The last seq on disk (and broadcast). `seq` may be ahead while a commit is under way. */
  get committedSeq(): number {
    return this.committed;
  }

  submit(command: Command): Promise<SubmitOutcome> {
    if (this.closed) return Promise.reject(new HubFault('the hub is shutting down'));
    const nowMs = this.now();
    if ('incidentId' in command) this.recall(command.incidentId);
    let decision;
    try {
      decision = decide(this.state, command, nowMs, this.engineConfig);
    } catch (err) {
      return Promise.reject(err instanceof EngineError ? err : new HubFault('engine failed', { cause: err }));
    }
    let events: HubEvent[] = [];
    if (decision.drafts.length > 0) {
      const sealed = this.store.seal(decision.drafts, new Date(nowMs).toISOString(), this.sealedSeq);
      events = sealed.events;
      sealed.events.forEach((event, i) => {
        apply(this.state, event, this.engineConfig);
        if (event.type === 'incident.resolved') this.resolvedOrder.add(event.incidentId);
        this.pending.broadcasts.push(toBroadcast(event, (sealed.rows[i] as SealedRow).dataJson, this.state));
      });
      this.pending.events.push(...events);
      this.pending.rows.push(...sealed.rows);
      this.sealedSeq = sealed.seq;
    }
    if (command.kind === 'ingest') {
      touchAlerts(this.state, command.batch.key, command.batch.alerts.map((a) => a.fingerprint), nowMs);
    }
    const outcome = (): SubmitOutcome => {
      const inc = decision.incidentId === undefined ? undefined : this.state.incidents.get(decision.incidentId);
      return inc ? { incident: toSummary(inc), events } : { events };
    };
    // A command answers once everything sealed before it is on disk; even one that
    // changed nothing, so a repeated notification is never answered 2xx before the
    // first copy is durable.
    const batch = this.pending.events.length > 0 ? this.pending : this.inFlight.at(-1);
    if (!batch) return Promise.resolve(outcome());
    return new Promise<void>((resolve, reject) => {
      batch.waiters.push({ resolve, reject });
      if (batch === this.pending) this.scheduleFlush();
    }).then(outcome);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight.length >= MAX_IN_FLIGHT) return;
    this.flushScheduled = true;
    queueMicrotask(() => void this.flush());
  }

  /**
   * Commits everything queued as one transaction. While commits are on disk, new
   * events queue up and go together in the next one (group commit).
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.inFlight.length >= MAX_IN_FLIGHT || this.pending.events.length === 0) return;
    const batch = this.pending;
    this.pending = emptyBatch();
    this.inFlight.push(batch);
    const generation = this.generation;
    let failure: unknown;
    try {
      await this.store.append(batch.events, batch.rows);
    } catch (err) {
      failure = err ?? new Error('commit failed');
    }
    // An earlier batch failed meanwhile: this one was chained onto it, and its callers have been answered.
    if (generation !== this.generation) return;
    if (failure !== undefined) return this.failCommit(failure);
    // The writer completes in order, so this is the oldest batch in flight.
    this.inFlight.shift();
    this.committed = batch.events[batch.events.length - 1]?.seq ?? this.committed;
    for (const b of batch.broadcasts) {
      this.replay.push(b);
      for (const listener of this.listeners) listener(b);
    }
    for (const w of batch.waiters) w.resolve();
    this.dropResolved();
    if (this.pending.events.length > 0) this.scheduleFlush();
    else if (this.inFlight.length === 0) this.releaseIdleWaiters();
  }

  /**
   * A failed commit: everything sealed after the last good commit is void (later
   * events were chained onto the failed ones). Callers get an error (5xx: senders
   * retry), memory is rebuilt from disk, and listeners are told to start over.
   */
  private failCommit(err: unknown): void {
    const voided = [...this.inFlight, this.pending];
    this.inFlight = [];
    this.pending = emptyBatch();
    this.generation++;
    this.log.error('commit failed; rebuilding state from the log', { err, events: voided.reduce((n, b) => n + b.events.length, 0) });
    const fault = new HubFault('could not store the events', { cause: err });
    for (const b of voided) for (const w of b.waiters) w.reject(fault);
    this.rebuild();
    for (const listener of this.resetListeners) listener();
    this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when nothing is queued or being committed. */
  idle(): Promise<void> {
    if (this.inFlight.length === 0 && this.pending.events.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called after a failed commit, when clients must drop what they were sent and start over. */
  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  onBroadcast(listener: (b: Broadcast) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Committed events after `seq`, or null when they are no longer all in memory. */
  replayAfter(seq: number): Broadcast[] | null {
    return this.replay.after(seq, this.committedSeq);
  }

  /** What the replay buffer holds: events, and the length of their messages. */
  get replayHeld(): { events: number; bytes: number } {
    return { events: this.replay.length, bytes: this.replay.bytes };
  }

  /** An incident, from memory or (resolved long ago) from the log. */
  incident(id: number): IncidentRecord | undefined {
    return this.state.incidents.get(id) ?? this.fromLog(id);
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
    counts['resolved'] = (counts['resolved'] ?? 0) + this.dropped;
    return counts;
  }

  /** Stops taking commands and commits what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }
}

function emptyBatch(): PendingBatch {
  return { events: [], rows: [], broadcasts: [], waiters: [] };
}

/**
 * The stream message for one event, assembled around the event's canonical data
 * (already computed for its hash) so large alert batches are serialised once.
 * Same shape as `{ type: 'event', seq, event, incident }` in shared/protocol/stream.ts.
 */
function toBroadcast(event: HubEvent, dataJson: string, state: EngineState): Broadcast {
  const inc = state.incidents.get(event.incidentId);
  const envelope = JSON.stringify({ seq: event.seq, ts: event.ts, incidentId: event.incidentId, actor: event.actor, type: event.type });
  // Hub-level events (incidentId 0) have no incident; clients still need their seq (no gaps).
  const incident = inc ? `,"incident":${JSON.stringify(toSummary(inc))}` : '';
  const message = `{"type":"event","seq":${event.seq},"event":${envelope.slice(0, -1)},"data":${dataJson}}${incident}}`;
  return { seq: event.seq, message, type: event.type, incidentId: event.incidentId };
}

/**
 * The last broadcasts, for clients that reconnect: at most `capacity` of them, and at
 * most `maxBytes` of messages (the oldest go first, the newest always stays).
 * Consecutive seqs, so lookup is arithmetic.
 */
class ReplayBuffer {
  private items: (Broadcast | undefined)[];
  private start = 0;
  private size = 0;
  private held = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    this.items = new Array<Broadcast | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The length of the messages held. */
  get bytes(): number {
    return this.held;
  }

  clear(): void {
    this.items = new Array<Broadcast | undefined>(this.capacity);
    this.start = 0;
    this.size = 0;
    this.held = 0;
  }

  push(b: Broadcast): void {
    if (this.capacity === 0) return;
    if (this.size === this.capacity) this.dropOldest();
    this.items[(this.start + this.size) % this.capacity] = b;
    this.size++;
    this.held += b.message.length;
    while (this.held > this.maxBytes && this.size > 1) this.dropOldest();
  }

  private dropOldest(): void {
    this.held -= (this.items[this.start] as Broadcast).message.length;
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
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
