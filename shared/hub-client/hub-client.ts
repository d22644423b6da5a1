/**
 * A client of the hub's stream, platform-free: give it a WebSocket constructor
 * (the browser's, or `ws` in Node/Electron main) and it keeps an up-to-date map
 * of incidents, reconnecting with backoff and resuming from the last seq.
 *
 * States: connecting → live; on a drop: reconnecting (with the time of the next
 * try) → connecting …; a refused token: auth-failed (no retry until a new token).
 */
import { CLOSE_CODES, serverMessageSchema, STREAM_PATH, type ClientMessage, type Publication, type ServerMessage, type StepMessage, type StreamCommand } from '../protocol/stream';
import type { IncidentSummary } from '../incidents/types';

/** The subset of the WebSocket API both the browser and `ws` provide. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'live'; since: number }
  | { status: 'reconnecting'; attempt: number; retryAt: number; reason: string }
  | { status: 'auth-failed'; reason: string };

export interface HubClientSnapshot {
  connection: ConnectionState;
  incidents: ReadonlyMap<number, IncidentSummary>;
  /** Last seq applied; -1 before the first snapshot. */
  seq: number;
  /** True while what is shown may be out of date (not live). */
  stale: boolean;
  /** The token's role as the hub said (null: not yet known, or a hub without roles). */
  role: string | null;
  /** May acknowledge, resolve, snooze and run steps (true until the hub says otherwise). */
  canAct: boolean;
  /** May see incidents (false for presence-only people: no incident stream at all). */
  canRead: boolean;
  /** The person whose escalation notifications announcements follow; null: announce everything. */
  routedAs: string | null;
}

export interface HubClientOptions {
  /** Hub base URL, e.g. http://127.0.0.1:8725 */
  url: string;
  token: string;
  socket: SocketFactory;
  client?: string;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Backoff: min(maxDelay, base * 2^attempt), with ±20% jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Consider the connection dead when nothing arrives for this long (the hub sends heartbeats). */
  silenceTimeoutMs?: number;
  commandTimeoutMs?: number;
  random?: () => number;
}

export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

type Listener = (snapshot: HubClientSnapshot) => void;
/** An incident's event (hub-level events, which have no incident, are not passed on). */
export type IncidentEventMessage = Extract<ServerMessage, { type: 'event' }> & { incident: NonNullable<Extract<ServerMessage, { type: 'event' }>['incident']> };
type EventListener = (message: IncidentEventMessage) => void;

const OPEN = 1;

export class HubClient {
  private socket: SocketLike | undefined;
  private connection: ConnectionState = { status: 'idle' };
  private incidents = new Map<number, IncidentSummary>();
  private seq = -1;
  private you: NonNullable<Extract<ServerMessage, { type: 'welcome' }>['you']> | null = null;
  private attempt = 0;
  private retryTimer: unknown;
  private silenceTimer: unknown;
  private stopped = true;
  private nextRequest = 1;
  private readonly pending = new Map<string, { resolve: (i: unknown) => void; reject: (e: Error) => void; timer: unknown; wantsRun: boolean }>();
  private readonly listeners = new Set<Listener>();
  private readonly eventListeners = new Set<EventListener>();
  private readonly stepListeners = new Set<(m: StepMessage) => void>();
  private readonly o: Required<Omit<HubClientOptions, 'client'>> & { client: string };

  constructor(options: HubClientOptions) {
    this.o = {
      client: 'earshot',
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      silenceTimeoutMs: 45_000,
      commandTimeoutMs: 10_000,
      random: Math.random,
      ...options,
    };
  }

  get snapshot(): HubClientSnapshot {
    return {
      connection: this.connection,
      incidents: this.incidents,
      seq: this.seq,
      stale: this.connection.status !== 'live',
      role: this.you?.role ?? null,
      canAct: this.you ? this.you.permissions.includes('act') : true,
      canRead: this.you ? this.you.permissions.includes('read') : true,
      routedAs: this.you?.routed ? this.you.name : null,
    };
  }

  /** Called with a fresh snapshot on every change (connection or incidents). Returns an unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.snapshot);
    return () => this.listeners.delete(listener);
  }

  /** Every live event as it arrives (for announcers and notifications). */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Live runbook step output and results. */
  onStep(listener: (m: StepMessage) => void): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  /** Runs a runbook step; resolves with the run's id once the hub has it on record. */
  async runStep(incidentId: number, runbook: string, step: string, actor: string): Promise<{ runId: string }> {
    const reply = await this.request((requestId) => ({ type: 'run_step', requestId, incidentId, runbook, step, actor }), true);
    return reply as { runId: string };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.o.clearTimer(this.retryTimer);
    this.o.clearTimer(this.silenceTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'client stopped');
    this.failPending(new CommandError('disconnected', 'the client was stopped'));
    this.setConnection({ status: 'idle' });
  }

  /** Use a new token (after auth-failed, or when settings change) and reconnect now. */
  setToken(token: string): void {
    this.o.token = token;
    this.reconnectNow();
  }

  reconnectNow(): void {
    this.o.clearTimer(this.retryTimer);
    this.attempt = 0;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'reconnecting');
    if (!this.stopped) this.open();
  }

  /** Sends a command; resolves with the incident as the hub left it, or rejects with the hub's error. */
  command(command: StreamCommand): Promise<IncidentSummary | undefined> {
    return this.request((requestId) => ({ type: 'command', requestId, command })) as Promise<IncidentSummary | undefined>;
  }

  /** Shares this device's state (e.g. AirPods status) with the hub. */
  async publish(device: string, publication: Publication): Promise<void> {
    await this.request((requestId) => ({ type: 'publish', requestId, device, publication }));
  }

  private request(build: (requestId: string) => ClientMessage, wantsRun = false): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.connection.status !== 'live') {
      return Promise.reject(new CommandError('disconnected', 'not connected to the hub'));
    }
    const requestId = `r${this.nextRequest++}`;
    return new Promise((resolve, reject) => {
      const timer = this.o.setTimer(() => {
        this.pending.delete(requestId);
        reject(new CommandError('timeout', 'the hub did not answer in time'));
      }, this.o.commandTimeoutMs);
      this.pending.set(requestId, { resolve, reject, timer, wantsRun });
      this.send(build(requestId));
    });
  }

  private open(): void {
    this.setConnection({ status: 'connecting', attempt: this.attempt });
    const wsUrl = `${this.o.url.replace(/^http/, 'ws').replace(/\/$/, '')}${STREAM_PATH}`;
    let socket: SocketLike;
    try {
      socket = this.o.socket(wsUrl);
    } catch (err) {
      this.scheduleRetry(`cannot open a connection: ${(err as Error).message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const hello: ClientMessage = { type: 'hello', token: this.o.token, client: this.o.client };
      if (this.seq >= 0) hello.resumeFrom = this.seq;
      this.send(hello);
      this.armSilenceTimer();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.armSilenceTimer();
      this.handle(ev.data);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.o.clearTimer(this.silenceTimer);
      this.failPending(new CommandError('disconnected', 'the connection to the hub closed'));
      if (this.stopped) return;
      if (ev.code === CLOSE_CODES.unauthorized) {
        this.setConnection({ status: 'auth-failed', reason: ev.reason || 'the hub refused the token' });
        return;
      }
      if (ev.code === CLOSE_CODES.reset) this.seq = -1; // what we hold may not be on the hub's disk
      this.scheduleRetry(ev.reason || `connection closed (${ev.code})`);
    };
    socket.onerror = () => {
      // onclose follows with the details.
    };
  }

  private handle(data: unknown): void {
    let message: ServerMessage;
    try {
      message = serverMessageSchema.parse(JSON.parse(String(data)));
    } catch {
      return; // not ours to act on; the hub only sends schema-valid frames
    }
    switch (message.type) {
      case 'welcome':
        this.you = message.you ?? null;
        if (this.you && !this.you.permissions.includes('read')) {
          // Presence-only: the hub sends no incidents, so there is no snapshot to wait for.
          this.incidents = new Map();
          this.goLive();
        }
        return;
      case 'snapshot':
        this.incidents = new Map(message.incidents.map((i) => [i.id, i]));
        this.seq = message.seq;
        this.goLive();
        return;
      case 'resume':
        this.goLive();
        return;
      case 'event': {
        if (message.seq <= this.seq) return; // already applied (never expected; harmless)
        if (this.seq >= 0 && message.seq !== this.seq + 1) {
          // A gap means our view is wrong: start over with a snapshot.
          this.seq = -1;
          this.reconnectNow();
          return;
        }
        this.seq = message.seq;
        const { incident } = message;
        if (!incident) return; // a hub-level fact (audit): nothing to show or announce
        const next = new Map(this.incidents);
        next.set(incident.id, incident);
        this.incidents = next;
        for (const l of this.eventListeners) l({ ...message, incident });
        this.emit();
        return;
      }
      case 'reply': {
        const waiter = this.pending.get(message.requestId);
        if (!waiter) return;
        this.pending.delete(message.requestId);
        this.o.clearTimer(waiter.timer);
        if (message.ok) waiter.resolve(waiter.wantsRun ? message.run : message.incident);
        else waiter.reject(new CommandError(message.error?.code ?? 'error', message.error?.message ?? 'the hub refused the command'));
        return;
      }
      case 'step_output':
      case 'step_finished':
        for (const l of this.stepListeners) l(message);
        return;
      case 'heartbeat':
      case 'pong':
      case 'error':
        return;
    }
  }

  private goLive(): void {
    this.attempt = 0;
    this.setConnection({ status: 'live', since: this.o.now() });
  }

  private scheduleRetry(reason: string): void {
    const exp = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** this.attempt);
    const delay = Math.round(exp * (0.8 + 0.4 * this.o.random()));
    this.attempt += 1;
    this.setConnection({ status: 'reconnecting', attempt: this.attempt, retryAt: this.o.now() + delay, reason });
    this.retryTimer = this.o.setTimer(() => {
      if (!this.stopped) this.open();
    }, delay);
  }

  private armSilenceTimer(): void {
    this.o.clearTimer(this.silenceTimer);
    this.silenceTimer = this.o.setTimer(() => {
      // Nothing (not even a heartbeat) for too long: the link is dead even if TCP has not noticed.
      const socket = this.socket;
      this.socket = undefined;
      socket?.close(4000, 'silent connection');
      this.failPending(new CommandError('disconnected', 'the hub went silent'));
      if (!this.stopped) this.scheduleRetry('no data from the hub for too long');
    }, this.o.silenceTimeoutMs);
  }

  private send(message: ClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  private failPending(error: Error): void {
    for (const [id, waiter] of this.pending) {
      this.o.clearTimer(waiter.timer);
      waiter.reject(error);
      this.pending.delete(id);
    }
  }

  private setConnection(connection: ConnectionState): void {
    this.connection = connection;
    this.emit();
  }

  private emit(): void {
    const snapshot = this.snapshot;
    for (const l of this.listeners) l(snapshot);
  }
}
