/**
 * The live stream at /api/v1/stream.
 *
 *   client: hello {token?, resumeFrom?}
 *   hub:    welcome, then either resume + the missed events, or a snapshot; then live events
 *
 * Everything between reading the replay and subscribing to live events runs in
 * one synchronous stretch, so a client sees every seq once: no gaps, no duplicates.
 * A client that cannot keep up is cut off instead of growing the hub's memory or
 * slowing the others.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { EngineError } from '../../../shared/incidents/engine';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  clientMessageSchema,
  type ServerMessage,
} from '../../../shared/protocol/stream';
import { describeIssues } from '../../../shared/zod-issues';
import type { Authenticator } from '../auth';
import type { Broadcast, HubCore } from '../hub-core';
import type { Logger } from '../log';
import type { HubMetrics } from '../metrics';
import { runIncidentAction } from '../incident-actions';
import type { DeviceRegistry } from '../devices';
import type { TelemetryService } from '../telemetry';
import { RunbookRunError, type RunbookService } from '../runbooks/runbook-service';
import { allows, deniedMessage, permissionsOf, type Permission } from '../access';
import type { RateLimiter } from '../rate-limit';
import { PresenceError, type PresenceService } from '../presence';

export interface StreamServerOptions {
  /** Publications share the HTTP telemetry route's bucket per credential. */
  limiter: RateLimiter;
  presence: PresenceService;
  /** People in some team's rotation (their announcements follow escalation). */
  routedPeople: ReadonlySet<string>;
  core: HubCore;
  devices: DeviceRegistry;
  telemetry: TelemetryService;
  runbooks: RunbookService;
  auth: Authenticator;
  log: Logger;
  metrics: HubMetrics;
  hubVersion: string;
  maxBufferedBytes: number;
  heartbeatMs: number;
  helloTimeoutMs: number;
  snapshotResolved: number;
}

interface Session {
  ws: WebSocket;
  credential: string | null;
  subscribed: boolean;
  /** May receive incidents (snapshot, events); a presence-only person may not. */
  canRead: boolean;
  /** Broadcasts up to this seq are already covered by what the session was sent (snapshot or replay). */
  skipThrough: number;
  closing: boolean;
  alive: boolean;
  helloTimer: NodeJS.Timeout | undefined;
}

const MAX_FRAME_BYTES = 64 * 1024;

export class StreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sessions = new Set<Session>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: StreamServerOptions) {
    const offBroadcast = o.core.onBroadcast((b) => this.broadcast(b));
    const offSteps = o.runbooks.onMessage((m) => {
      const text = JSON.stringify(m);
      for (const session of this.sessions) if (session.subscribed && session.canRead) this.sendRaw(session, text);
    });
    // After a failed commit, what clients were sent may not be on disk: they start over.
    const offReset = o.core.onReset(() => {
      for (const session of this.sessions) this.cut(session, CLOSE_CODES.reset, 'hub state was reset; reconnect', 'reset');
    });
    this.unsubscribe = () => {
      offBroadcast();
      offReset();
      offSteps();
    };
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    let n = 0;
    for (const s of this.sessions) if (s.subscribed) n++;
    return n;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const session: Session = {
      ws,
      credential: this.o.auth.identifyRequest(req.headers),
      subscribed: false,
      canRead: false,
      skipThrough: 0,
      closing: false,
      alive: true,
      helloTimer: undefined,
    };
    session.helloTimer = setTimeout(() => this.cut(session, CLOSE_CODES.helloTimeout, 'no hello received in time', 'hello_timeout'), this.o.helloTimeoutMs);
    this.sessions.add(session);
    ws.on('pong', () => (session.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(session, data, isBinary));
    ws.on('close', () => {
      clearTimeout(session.helloTimer);
      this.sessions.delete(session);
    });
    ws.on('error', (err) => this.o.log.debug('stream socket error', { err: err.message }));
  }

  private onMessage(session: Session, data: RawData, isBinary: boolean): void {
    if (session.closing) return;
    let json: unknown;
    try {
      if (isBinary) throw new Error('binary frames are not accepted');
      json = JSON.parse(data.toString());
    } catch (err) {
      this.send(session, { type: 'error', error: { code: 'invalid_json', message: `frame is not JSON text: ${(err as Error).message}` } });
      return;
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.send(session, { type: 'error', error: { code: 'invalid_message', message: describeIssues(parsed.error).join('; ') } });
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'hello':
        this.hello(session, msg.token, msg.resumeFrom);
        return;
      case 'ping':
        this.send(session, msg.requestId === undefined ? { type: 'pong' } : { type: 'pong', requestId: msg.requestId });
        return;
      case 'publish': {
        if (!this.permitted(session, msg.requestId, msg.publication.kind === 'device_presence' ? 'presence' : 'publish')) return;
        const { requestId } = msg;
        const waitMs = this.o.limiter.take(`${session.credential} telemetry`, Date.now());
        if (waitMs > 0) {
          this.send(session, { type: 'reply', requestId, ok: false, error: { code: 'rate_limited', message: `too many publications from "${session.credential}"; retry after ${waitMs} ms` } });
          return;
        }
        if (msg.publication.kind === 'device_telemetry') {
          this.o.telemetry.ingest(session.credential, msg.device, msg.publication.samples).then(
            ({ rejected }) =>
              this.send(session, rejected.length ? { type: 'reply', requestId, ok: false, error: { code: 'rejected', message: rejected.join('; ') } } : { type: 'reply', requestId, ok: true }),
            () => this.send(session, { type: 'reply', requestId, ok: false, error: { code: 'server_error', message: 'the hub could not take the samples' } }),
          );
          return;
        }
        if (msg.publication.kind === 'device_presence') {
          try {
            this.o.presence.publish(session.credential, msg.device, msg.publication);
            this.send(session, { type: 'reply', requestId, ok: true });
          } catch (err) {
            this.send(session, { type: 'reply', requestId, ok: false, error: err instanceof PresenceError ? { code: err.code, message: err.message } : { code: 'server_error', message: 'the hub could not store the presence' } });
          }
          return;
        }
        this.o.devices.put(session.credential, msg.device, msg.publication);
        this.send(session, { type: 'reply', requestId, ok: true });
        return;
      }
      case 'run_step': {
        if (!this.permitted(session, msg.requestId, 'act')) return;
        const { requestId } = msg;
        this.o.runbooks.run(msg.incidentId, msg.runbook, msg.step, this.o.auth.actorFor(session.credential, msg.actor), `stream/${session.credential}`).then(
          ({ runId }) => this.send(session, { type: 'reply', requestId, ok: true, run: { runId } }),
          (err: unknown) =>
            this.send(session, {
              type: 'reply',
              requestId,
              ok: false,
              error: err instanceof RunbookRunError || err instanceof EngineError ? { code: err.code, message: err.message } : { code: 'server_error', message: 'the hub could not run the step' },
            }),
        );
        return;
      }
      case 'command': {
        if (!this.permitted(session, msg.requestId, 'act')) return;
        const { requestId } = msg;
        runIncidentAction(this.o.core, { ...msg.command, actor: this.o.auth.actorFor(session.credential, msg.command.actor) }, session.credential, 'stream').then(
          (outcome) => this.send(session, { type: 'reply', requestId, ok: true, ...(outcome.incident ? { incident: outcome.incident } : {}) }),
          (err: unknown) =>
            this.send(session, {
              type: 'reply',
              requestId,
              ok: false,
              error:
                err instanceof EngineError
                  ? { code: err.code, message: err.message }
                  : { code: 'server_error', message: 'the hub could not carry out the command' },
            }),
        );
        return;
      }
    }
  }

  /** Replies with why and returns false unless the session said hello and its role grants the permission. */
  private permitted(session: Session, requestId: string, permission: Permission): session is Session & { credential: string } {
    if (!session.subscribed || session.credential === null) {
      this.send(session, { type: 'reply', requestId, ok: false, error: { code: 'unauthorized', message: 'send hello first' } });
      return false;
    }
    const name = session.credential;
    const role = this.o.auth.roleOf(name);
    if (allows(role, permission)) return true;
    this.send(session, { type: 'reply', requestId, ok: false, error: { code: 'forbidden', message: deniedMessage(name, role, permission) } });
    return false;
  }

  private hello(session: Session, token: string | undefined, resumeFrom: number | undefined): void {
    if (session.subscribed) {
      this.send(session, { type: 'error', error: { code: 'already_subscribed', message: 'hello was already received' } });
      return;
    }
    session.credential ??= this.o.auth.identify(token);
    if (session.credential === null) {
      this.cut(session, CLOSE_CODES.unauthorized, 'unauthorized: a valid token is required', 'unauthorized');
      return;
    }
    clearTimeout(session.helloTimer);
    // From here to `subscribed = true` nothing yields to the event loop. Events are
    // broadcast when their commit completes, in seq order; the in-memory state may
    // already hold events whose commit is under way (seq > committed).
    const { core } = this.o;
    const committed = core.committedSeq;
    const current = core.seq;
    const role = this.o.auth.roleOf(session.credential);
    this.send(session, { type: 'welcome', protocol: PROTOCOL_VERSION, hubVersion: this.o.hubVersion, seq: current, you: { name: session.credential, role, permissions: permissionsOf(role), routed: this.o.routedPeople.has(session.credential) } });
    session.canRead = allows(role, 'read');
    if (!session.canRead) {
      // Subscribed for publishing (presence), but no incidents: no snapshot, no events.
      session.subscribed = true;
      return;
    }
    if (resumeFrom !== undefined && resumeFrom > committed && resumeFrom <= current) {
      // It already has everything up to resumeFrom (from a snapshot); the rest is on its way.
      this.send(session, { type: 'resume', fromSeq: resumeFrom, toSeq: resumeFrom });
      session.skipThrough = resumeFrom;
    } else {
      const missed = resumeFrom === undefined ? null : core.replayAfter(resumeFrom);
      if (missed !== null && resumeFrom !== undefined) {
        this.send(session, { type: 'resume', fromSeq: resumeFrom, toSeq: committed });
        for (const b of missed) this.sendRaw(session, b.message);
        session.skipThrough = committed;
      } else {
        this.send(session, { type: 'snapshot', seq: current, incidents: core.listIncidents({ resolvedLimit: this.o.snapshotResolved }) });
        session.skipThrough = current;
      }
    }
    session.subscribed = true;
  }

  private broadcast(b: Broadcast): void {
    for (const session of this.sessions) if (session.subscribed && session.canRead && b.seq > session.skipThrough) this.sendRaw(session, b.message);
  }

  private send(session: Session, message: ServerMessage): void {
    this.sendRaw(session, JSON.stringify(message));
  }

  private sendRaw(session: Session, text: string): void {
    if (session.closing || session.ws.readyState !== WebSocket.OPEN) return;
    session.ws.send(text);
    if (session.ws.bufferedAmount > this.o.maxBufferedBytes) {
      this.cut(session, CLOSE_CODES.slowConsumer, `slow consumer: more than ${this.o.maxBufferedBytes} bytes unsent`, 'slow_consumer');
    }
  }

  /**
   * Closes with a reason. Nothing more is queued for it, so memory stays bounded;
   * a peer that does not read as far as its close frame within 5 s is dropped.
   */
  private cut(session: Session, code: number, reason: string, metric: string): void {
    if (session.closing) return;
    session.closing = true;
    session.subscribed = false;
    this.o.metrics.streamDisconnects.inc({ reason: metric });
    this.o.log.info('stream client cut off', { reason, credential: session.credential });
    clearTimeout(session.helloTimer);
    session.ws.close(code, reason);
    setTimeout(() => session.ws.terminate(), 5_000).unref();
  }

  private beat(): void {
    const message = JSON.stringify({ type: 'heartbeat', seq: this.o.core.committedSeq, serverTime: new Date().toISOString() } satisfies ServerMessage);
    for (const session of this.sessions) {
      if (!session.alive) {
        this.cut(session, CLOSE_CODES.protocolError, 'no pong to the last ping', 'heartbeat_timeout');
        continue;
      }
      session.alive = false;
      session.ws.ping();
      if (session.subscribed) this.sendRaw(session, message);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const session of this.sessions) {
      session.closing = true;
      session.ws.close(CLOSE_CODES.shuttingDown, 'hub shutting down');
    }
    this.wss.close();
  }
}
