/**
 * Starts a hub: the event log, the core, HTTP and the stream, on loopback by default.
 * Plain Node: the desktop app runs this in-process, `npm run hub` runs it alone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { STREAM_PATH } from '../../shared/protocol/stream';
import { Authenticator } from './auth';
import { credentialsOf, type HubConfig } from './config';
import { HubCore } from './hub-core';
import { DeviceRegistry } from './devices';
import { TelemetryService } from './telemetry';
import { RunbookLibrary } from './runbooks/library';
import { RunbookService } from './runbooks/runbook-service';
import { createRequestHandler } from './http-server';
import { IngestDecoder, decodeThreadCount } from './ingest/decoder';
import { RateLimiter } from './rate-limit';
import { PresenceService } from './presence';
import type { Clock } from './escalation/engine';
import { EscalationService } from './escalation/service';
import { createLogger, type Logger } from './log';
import { HubMetrics } from './metrics';
import { lockDataDir } from './store/data-dir-lock';
import { EventStore } from './store/event-store';
import { StreamServer } from './stream/stream-server';

export const HUB_VERSION = '0.1.0';
const TOKEN_FILE = 'hub-token';

export interface RunningHub {
  /** e.g. http://127.0.0.1:8725 — the real port when 0 was asked for. */
  url: string;
  port: number;
  /** Addresses actually listened on. */
  addresses: string[];
  config: HubConfig;
  core: HubCore;
  presence: PresenceService;
  /** Set when no token was configured and the hub made (or reused) one in the data dir. */
  generatedToken?: string;
  close(): Promise<void>;
}

export interface StartHubOptions {
  log?: Logger;
  now?: () => number;
  /** The escalation engine's clock (tests move it by hand). */
  clock?: Clock;
}

export async function startHub(config: HubConfig, options: StartHubOptions = {}): Promise<RunningHub> {
  const log = options.log ?? createLogger(config.logLevel);
  let generatedToken: string | undefined;
  if (config.tokens.length === 0) {
    generatedToken = loadOrCreateToken(config.dataDir);
    config = { ...config, tokens: [{ name: 'admin', token: generatedToken, role: 'admin' }] };
  }
  const unlock = lockDataDir(config.dataDir);
  let store: EventStore;
  try {
    store = await EventStore.open(config.dataDir);
  } catch (err) {
    unlock();
    throw err;
  }
  const core = new HubCore({
    store,
    log,
    replayEvents: config.stream.replayEvents,
    replayBytes: config.stream.replayBytes,
    resolvedInMemory: config.incidents.resolvedInMemory,
    engine: {
      staleAlertAfterMs: config.incidents.staleAlertAfter,
      retriggerOnSeverityIncrease: config.incidents.retriggerOnSeverityIncrease,
      timelineLimit: config.incidents.timelineLimit,
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const auth = new Authenticator(credentialsOf(config));
  const metrics: HubMetrics = new HubMetrics({
    incidentsByStatus: () => core.countsByStatus(),
    // `stream` is declared below; collectors only run on a scrape, after start.
    streamClients: (): number => stream.clientCount,
    eventLog: () => ({ events: store.lastSeq, bytes: store.sizeBytes() }),
    replay: () => core.replayHeld,
  });
  const devices = new DeviceRegistry();
  const telemetry = new TelemetryService(core, log, config.telemetry);
  const library = new RunbookLibrary(config.runbooks.dir, log);
  const runbooks = new RunbookService(library, core, log, config.runbooks.maxOutputBytes);
  // One set of buckets per credential for HTTP and the stream alike.
  const limiter = new RateLimiter(config.limits.ratePerSecond, config.limits.burst);
  const presence = new PresenceService(config.dataDir, core, log, config.presence);
  const escalation = new EscalationService(config.teams, core, presence, log, options.clock);
  const stream: StreamServer = new StreamServer({
    limiter,
    presence,
    routedPeople: new Set(config.teams.flatMap((t) => t.rotation.people)),
    core,
    devices,
    telemetry,
    runbooks,
    auth,
    log,
    metrics,
    hubVersion: HUB_VERSION,
    maxBufferedBytes: config.stream.maxBufferedBytes,
    heartbeatMs: config.stream.heartbeat,
    helloTimeoutMs: config.stream.helloTimeout,
    snapshotResolved: config.stream.snapshotResolved,
  });
  const decoder = await IngestDecoder.start(decodeThreadCount(config.decodeThreads), log);
  const handler = createRequestHandler({ config, core, auth, metrics, log, version: HUB_VERSION, devices, telemetry, library, runbooks, limiter, presence, escalation, decoder });

  const servers: Server[] = [];
  const addresses: string[] = [];
  let port = config.port;
  for (const host of config.hosts) {
    const server = createServer(handler);
    server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://hub.invalid').pathname;
      if (path === STREAM_PATH) stream.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    try {
      await listen(server, port, host);
    } catch (err) {
      // ::1 is absent on hosts without IPv6; loopback on 127.0.0.1 is enough then.
      if (servers.length > 0 && isMissingAddress(err)) {
        log.warn('not listening on an address this host does not have', { host, err: (err as Error).message });
        continue;
      }
      await Promise.all(servers.map(closeServer));
      stream.close();
      await decoder.close();
      escalation.close();
      await core.close();
      presence.close();
      await store.close();
      unlock();
      throw err;
    }
    port = (server.address() as AddressInfo).port;
    servers.push(server);
    addresses.push(host);
  }

  const tick = setInterval(() => {
    core.submit({ kind: 'tick' }).catch((err: unknown) => log.error('tick failed', { err }));
  }, config.incidents.tickInterval);
  tick.unref();

  const first = addresses[0] as string;
  const url = `http://${first.includes(':') ? `[${first}]` : first}:${port}`;
  log.info('hub started', { url, addresses, dataDir: config.dataDir, events: store.lastSeq, decodeThreads: decoder.threads });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(tick);
      stream.close();
      await Promise.all(servers.map(closeServer));
      await decoder.close();
      library.close();
      escalation.close();
      await core.close();
      presence.close();
      await store.close();
      unlock();
      log.info('hub stopped', { events: store.lastSeq });
    })();
    return closing;
  };
  // Retention runs at start too (a hub that was off for a week deletes on the way up).
  void presence.prune().catch((err: unknown) => log.error('presence retention failed', { err }));
  return { url, port, addresses, config, core, presence, close, ...(generatedToken ? { generatedToken } : {}) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Give requests in flight a moment to finish, then drop what is left.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

function isMissingAddress(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
}

function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 16) return token;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}
