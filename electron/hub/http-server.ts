/**
 * The hub's HTTP surface, on plain node:http (see README, "Why node:http"):
 * ingest for four kinds of sender, the incident API, health and metrics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { allows, deniedMessage, type Permission } from './access';
import { EngineError } from '../../shared/incidents/engine';
import { INCIDENT_STATUSES, type Sender } from '../../shared/incidents/types';
import { toDetail } from '../../shared/incidents/engine';
import { commandSchema } from '../../shared/protocol/stream';
import { describeIssues } from '../../shared/zod-issues';
import type { Authenticator } from './auth';
import type { HubConfig } from './config';
import { HubFault, type HubCore, type SubmitOutcome } from './hub-core';
import { findConsoleDir, serveConsoleFile } from './console-files';
import { HttpError, parseJson, readBody, sendError, sendJson } from './http-util';
import { runIncidentAction } from './incident-actions';
import type { IngestContext, IngestPlan } from './ingest/common';
import type { DecodableSender } from './ingest/decode';
import { DecodeFault, IngestDecoder } from './ingest/decoder';
import { checkGrafanaSignature } from './ingest/grafana-adapter';
import { pagerdutyEventSchema, planPagerduty } from './ingest/pagerduty-adapter';
import type { Logger } from './log';
import type { HubMetrics } from './metrics';
import { RateLimiter } from './rate-limit';
import type { DeviceRegistry } from './devices';
import type { TelemetryService } from './telemetry';
import { deviceNameSchema, presencePublicationSchema, telemetryBatchSchema } from '../../shared/protocol/stream';
import type { RunbookLibrary } from './runbooks/library';
import { RunbookRunError, type RunbookService } from './runbooks/runbook-service';
import { formatMatcher } from '../../shared/runbooks/matchers';
import { NoSpeechEngineError, SpeechService, speechRequestSchema } from './speech-route';
import { PresenceError, type PresenceService } from './presence';
import type { PresencePolicy } from '../../shared/presence/reporter';
import type { EscalationService } from './escalation/service';
import { nextHandover, onCallOrder } from './escalation/rotation';
import type { Board } from '../../shared/board';
import type { IncidentSummary } from '../../shared/incidents/types';

export interface HttpDeps {
  config: HubConfig;
  /** Shared with the stream so a credential has one budget (default: a fresh one from config.limits). */
  limiter?: RateLimiter;
  presence: PresenceService;
  escalation: EscalationService;
  devices: DeviceRegistry;
  telemetry: TelemetryService;
  library: RunbookLibrary;
  runbooks: RunbookService;
  core: HubCore;
  auth: Authenticator;
  metrics: HubMetrics;
  log: Logger;
  version: string;
  /** Decodes webhook bodies (default: inline, on this thread). */
  decoder?: IngestDecoder;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  /** The route's name, for its permission (ROUTE_PERMISSIONS). */
  route: string;
}

/** What each authenticated route needs (electron/hub/access.ts). Routes not listed need no token. */
export const ROUTE_PERMISSIONS: Record<string, Permission> = {
  metrics: 'read',
  ingest_alertmanager: 'ingest',
  ingest_grafana: 'ingest',
  ingest_generic: 'ingest',
  pagerduty_enqueue: 'ingest',
  incidents_list: 'read',
  incident_get: 'read',
  ingest_telemetry: 'publish',
  telemetry: 'read',
  runbooks: 'read',
  incident_runbooks: 'read',
  incident_runbook_run: 'act',
  devices: 'read',
  speech: 'read',
  incident_ack: 'act',
  incident_resolve: 'act',
  incident_snooze: 'act',
  presence_board: 'presence',
  team_board: 'presence',
  presence_publish: 'presence',
  presence_consent: 'presence',
  presence_withdraw: 'presence',
  presence_delete: 'presence',
};

const presenceHttpSchema = presencePublicationSchema.extend({ device: deviceNameSchema }).strict();

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  name: string;
  handler: (ctx: Ctx) => Promise<void> | void;
}

const telemetryRequestSchema = z.object({ device: deviceNameSchema, samples: telemetryBatchSchema }).strict();

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, core, auth, metrics, log } = deps;
  const limiter = deps.limiter ?? new RateLimiter(config.limits.ratePerSecond, config.limits.burst);
  const decoder = deps.decoder ?? IngestDecoder.inline(log);
  const consoleDir = findConsoleDir(config.consoleDir);
  const speech = new SpeechService(config.speech);
  if (!consoleDir) log.warn('no built web console found: run `npm run build`; / serves a placeholder');

  /** 403 unless the credential's role grants the route's permission. */
  const authorize = (ctx: Ctx, name: string): string => {
    const permission = ROUTE_PERMISSIONS[ctx.route];
    if (permission === undefined) throw new Error(`route ${ctx.route} has no permission declared`);
    const role = auth.roleOf(name);
    if (!allows(role, permission)) throw new HttpError(403, 'forbidden', deniedMessage(name, role, permission));
    return name;
  };

  const requireCredential = (ctx: Ctx): string => {
    const name = auth.identifyRequest(ctx.req.headers);
    if (name === null) {
      throw new HttpError(401, 'unauthorized', 'a valid token is required (Authorization: Bearer <token>, or Basic with the token as password)', [], {
        'www-authenticate': 'Bearer realm="earshot"',
      });
    }
    return authorize(ctx, name);
  };

  const rateLimit = (credential: string, route: string): void => {
    const waitMs = limiter.take(`${credential} ${route}`, Date.now());
    if (waitMs > 0) {
      throw new HttpError(429, 'rate_limited', `too many requests from "${credential}"; retry after ${waitMs} ms`, [], {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
  };

  const ingestContext = (credential: string): IngestContext => ({
    credential,
    receivedAt: new Date(),
    defaultSeverity: config.incidents.defaultSeverity,
  });

  const execute = (plan: IngestPlan, sender: Sender, credential: string): Promise<SubmitOutcome> => {
    const actor = `${sender}/${credential}`;
    switch (plan.kind) {
      case 'batch':
        return core.submit({ kind: 'ingest', batch: plan.batch, actor });
      case 'acknowledge-key':
        return core.submit({ kind: 'acknowledge-key', key: plan.key, actor: plan.actor, via: actor });
      case 'resolve-key':
        return core.submit({ kind: 'resolve-key', key: plan.key, actor: plan.actor });
    }
  };

  /** The shared path of every ingest route but PagerDuty's: auth, rate limit, body, decode (schema, plan), commit. */
  const ingestRoute =
    (sender: DecodableSender) =>
    async (ctx: Ctx): Promise<void> => {
      try {
        const credential = requireCredential(ctx);
        rateLimit(credential, sender);
        const raw = await readBody(ctx.req, config.limits.maxBodyBytes);
        if (sender === 'grafana' && config.grafana.hmacSecret) {
          const problem = checkGrafanaSignature(
            { secret: config.grafana.hmacSecret, timestampHeader: config.grafana.timestampHeader, maxSkewMs: config.grafana.maxSkew },
            ctx.req.headers,
            raw,
            Date.now(),
          );
          if (problem) throw new HttpError(401, 'bad_signature', problem);
        }
        let decoded;
        try {
          decoded = await decoder.decode(sender, raw, ingestContext(credential));
        } catch (err) {
          // A worker died under this request (our fault, not the sender's): retryable.
          if (err instanceof DecodeFault) throw new HttpError(503, 'unavailable', 'could not decode the request; retry', [], { 'retry-after': '1' });
          throw err;
        }
        if (!decoded.ok) throw new HttpError(decoded.status, decoded.code, decoded.message, decoded.issues);
        const outcome = await execute(decoded.plan, sender, credential);
        metrics.ingest.inc({ sender, outcome: 'accepted' });
        sendJson(ctx.res, sender === 'generic' ? 202 : 200, {
          status: 'ok',
          ...(decoded.dedupKey === undefined ? {} : { dedupKey: decoded.dedupKey }),
          ...(outcome.incident ? { incidentId: outcome.incident.id, incidentStatus: outcome.incident.status } : {}),
          events: outcome.events.length,
        });
      } catch (err) {
        metrics.ingest.inc({ sender, outcome: outcomeOf(err) });
        throw err;
      }
    };

  /** PagerDuty Events API v2: its own answers, and routing_key as the credential. */
  const pagerduty = async (ctx: Ctx): Promise<void> => {
    const invalid = (errors: string[], message = 'Event object is invalid') =>
      sendJson(ctx.res, 400, { status: 'invalid event', message, errors });
    let outcome = 'accepted';
    try {
      const raw = await readBody(ctx.req, config.limits.maxBodyBytes);
      let json: unknown;
      try {
        json = parseJson(raw);
      } catch (err) {
        outcome = 'invalid';
        invalid([(err as HttpError).message], 'Event object is invalid');
        return;
      }
      const routingKey = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['routing_key'] : undefined;
      const credential = auth.identifyRequest(ctx.req.headers) ?? auth.identify(typeof routingKey === 'string' ? routingKey : undefined);
      if (credential === null) {
        outcome = 'unauthorized';
        sendJson(ctx.res, 401, { status: 'unauthorized', message: 'routing_key is not a known credential', errors: ['routing_key'] });
        return;
      }
      const role = auth.roleOf(credential);
      if (!allows(role, 'ingest')) {
        outcome = 'forbidden';
        sendJson(ctx.res, 403, { status: 'forbidden', message: deniedMessage(credential, role, 'ingest'), errors: ['routing_key'] });
        return;
      }
      rateLimit(credential, 'pagerduty');
      const parsed = pagerdutyEventSchema.safeParse(json);
      if (!parsed.success) {
        outcome = 'invalid';
        invalid(describeIssues(parsed.error));
        return;
      }
      const { plan, dedupKey } = planPagerduty(parsed.data, ingestContext(credential));
      await execute(plan, 'pagerduty', credential);
      sendJson(ctx.res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      metrics.ingest.inc({ sender: 'pagerduty', outcome });
    }
  };

  const incidentAction = (action: 'ack' | 'resolve' | 'snooze') => async (ctx: Ctx) => {
    const credential = requireCredential(ctx);
    rateLimit(credential, 'api');
    const body = parseJson(await readBody(ctx.req, 64 * 1024));
    const input = { ...(typeof body === 'object' && body !== null ? body : {}), action, incidentId: Number(ctx.params[0]) };
    const parsed = commandSchema.safeParse(input);
    if (!parsed.success) throw new HttpError(400, 'invalid_body', `invalid ${action} request`, describeIssues(parsed.error));
    const outcome = await runIncidentAction(core, { ...parsed.data, actor: auth.actorFor(credential, parsed.data.actor) }, credential, 'http');
    sendJson(ctx.res, 200, { incident: outcome.incident, events: outcome.events.length });
  };

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/healthz$/,
      name: 'healthz',
      handler: (ctx) => sendJson(ctx.res, 200, { status: 'ok', version: deps.version, seq: core.committedSeq }),
    },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      name: 'metrics',
      handler: async (ctx) => {
        requireCredential(ctx);
        const text = await metrics.text();
        ctx.res.writeHead(200, { 'content-type': metrics.contentType });
        ctx.res.end(text);
      },
    },
    { method: 'POST', pattern: /^\/api\/v1\/ingest\/alertmanager$/, name: 'ingest_alertmanager', handler: ingestRoute('alertmanager') },
    { method: 'POST', pattern: /^\/api\/v1\/ingest\/grafana$/, name: 'ingest_grafana', handler: ingestRoute('grafana') },
    { method: 'POST', pattern: /^\/api\/v1\/ingest\/generic$/, name: 'ingest_generic', handler: ingestRoute('generic') },
    { method: 'POST', pattern: /^\/v2\/enqueue$/, name: 'pagerduty_enqueue', handler: pagerduty },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/incidents$/,
      name: 'incidents_list',
      handler: (ctx) => {
        requireCredential(ctx);
        const statusParam = ctx.url.searchParams.get('status');
        let statuses: Set<string> | undefined;
        if (statusParam) {
          statuses = new Set(statusParam.split(',').map((s) => s.trim()));
          const unknown = [...statuses].filter((s) => !(INCIDENT_STATUSES as readonly string[]).includes(s));
          if (unknown.length) throw new HttpError(400, 'invalid_query', `status: unknown value(s) ${unknown.join(', ')}; use ${INCIDENT_STATUSES.join(', ')}`);
        }
        const limitParam = ctx.url.searchParams.get('limit');
        const limit = limitParam === null ? 500 : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new HttpError(400, 'invalid_query', 'limit: must be an integer from 1 to 10000');
        const incidents = core.listIncidents({ ...(statuses ? { statuses } : {}), limit });
        sendJson(ctx.res, 200, { seq: core.seq, incidents });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/incidents\/(\d{1,15})$/,
      name: 'incident_get',
      handler: (ctx) => {
        requireCredential(ctx);
        const inc = core.incident(Number(ctx.params[0]));
        if (!inc) throw new HttpError(404, 'not_found', `no incident ${ctx.params[0] ?? ''}`);
        sendJson(ctx.res, 200, { incident: toDetail(inc) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/ingest\/telemetry$/,
      name: 'ingest_telemetry',
      handler: async (ctx) => {
        const credential = requireCredential(ctx);
        rateLimit(credential, 'telemetry');
        const body = parseJson(await readBody(ctx.req, config.limits.maxBodyBytes));
        const parsed = telemetryRequestSchema.safeParse(body);
        if (!parsed.success) throw new HttpError(400, 'invalid_body', 'invalid telemetry batch', describeIssues(parsed.error));
        const { accepted, rejected } = await deps.telemetry.ingest(credential, parsed.data.device, parsed.data.samples);
        if (accepted === 0 && rejected.length) throw new HttpError(422, 'rejected', 'no sample was accepted', rejected);
        sendJson(ctx.res, 202, { accepted, rejected });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/telemetry$/,
      name: 'telemetry',
      handler: (ctx) => {
        requireCredential(ctx);
        const since = ctx.url.searchParams.get('since');
        const sinceMs = since === null ? undefined : /^\d+$/.test(since) ? Number(since) : Date.parse(since);
        if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new HttpError(400, 'invalid_query', 'since: milliseconds or an ISO time');
        sendJson(ctx.res, 200, { series: deps.telemetry.query({ device: ctx.url.searchParams.get('device') ?? undefined, metric: ctx.url.searchParams.get('metric') ?? undefined, since: sinceMs }) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/runbooks$/,
      name: 'runbooks',
      handler: (ctx) => {
        requireCredential(ctx);
        const runbooks = deps.library.all.map((rb) => ({ id: rb.id, title: rb.title, file: rb.file, owner: rb.owner, match: rb.matchers.map(formatMatcher), contentHash: rb.contentHash, steps: rb.steps.map((s) => ({ id: s.id, title: s.title })) }));
        sendJson(ctx.res, 200, { dir: deps.library.dir ?? null, runbooks, problems: deps.library.problems });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/incidents\/(\d{1,15})\/runbooks$/,
      name: 'incident_runbooks',
      handler: (ctx) => {
        requireCredential(ctx);
        const inc = core.incident(Number(ctx.params[0]));
        if (!inc) throw new HttpError(404, 'not_found', `no incident ${ctx.params[0] ?? ''}`);
        sendJson(ctx.res, 200, { runbooks: deps.runbooks.views(inc) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/incidents\/(\d{1,15})\/runbooks\/([\w.-]{1,100})\/steps\/([a-z0-9-]{1,64})\/run$/,
      name: 'incident_runbook_run',
      handler: async (ctx) => {
        const credential = requireCredential(ctx);
        rateLimit(credential, 'api');
        const body = parseJson(await readBody(ctx.req, 16 * 1024));
        const actor = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['actor'] : undefined;
        if (typeof actor !== 'string' || actor.length < 1 || actor.length > 200) throw new HttpError(400, 'invalid_body', 'invalid run request', ['actor: a name is required (1 to 200 characters)']);
        try {
          const started = await deps.runbooks.run(Number(ctx.params[0]), ctx.params[1] as string, ctx.params[2] as string, auth.actorFor(credential, actor), `http/${credential}`);
          sendJson(ctx.res, 202, started);
        } catch (err) {
          if (err instanceof RunbookRunError) throw new HttpError(err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400, err.code, err.message);
          throw err;
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/devices$/,
      name: 'devices',
      handler: (ctx) => {
        requireCredential(ctx);
        sendJson(ctx.res, 200, { devices: deps.devices.list() });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/speech$/,
      name: 'speech',
      handler: async (ctx) => {
        const credential = requireCredential(ctx);
        rateLimit(credential, 'speech');
        const parsed = speechRequestSchema.safeParse(parseJson(await readBody(ctx.req, 16 * 1024)));
        if (!parsed.success) throw new HttpError(400, 'invalid_body', 'invalid speech request', describeIssues(parsed.error));
        let wav: Buffer;
        try {
          wav = await speech.synthesize(parsed.data.text);
        } catch (err) {
          if (err instanceof NoSpeechEngineError) throw new HttpError(503, 'no_speech_engine', err.message);
          log.warn('speech synthesis failed', { err });
          throw new HttpError(502, 'speech_failed', `the speech engine failed: ${(err as Error).message}`);
        }
        ctx.res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length, 'cache-control': 'no-store' });
        ctx.res.end(wav);
      },
    },
    { method: 'POST', pattern: /^\/api\/v1\/incidents\/(\d{1,15})\/ack$/, name: 'incident_ack', handler: incidentAction('ack') },
    { method: 'POST', pattern: /^\/api\/v1\/incidents\/(\d{1,15})\/resolve$/, name: 'incident_resolve', handler: incidentAction('resolve') },
    { method: 'POST', pattern: /^\/api\/v1\/incidents\/(\d{1,15})\/snooze$/, name: 'incident_snooze', handler: incidentAction('snooze') },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/board$/,
      name: 'team_board',
      handler: (ctx) => {
        const who = requireCredential(ctx);
        rateLimit(who, 'api');
        const now = Date.now();
        const shared = new Map(deps.presence.board().map((b) => [b.person, b]));
        const canRead = allows(auth.roleOf(who), 'read');
        const byOwner = new Map<string, { id: number; title: string; severity: IncidentSummary['severity']; status: 'triggered' | 'acknowledged' }[]>();
        if (canRead) {
          for (const inc of core.listIncidents({ statuses: new Set(['triggered', 'acknowledged']) })) {
            const owners = inc.status === 'acknowledged' && inc.acknowledgedBy ? [inc.acknowledgedBy] : deps.escalation.ownersOf(inc.id);
            for (const owner of owners.length ? owners : ['unassigned']) {
              const list = byOwner.get(owner) ?? [];
              list.push({ id: inc.id, title: inc.title, severity: inc.severity, status: inc.status as 'triggered' | 'acknowledged' });
              byOwner.set(owner, list);
            }
          }
        }
        const board: Board = {
          teams: config.teams.map((t) => {
            const order = onCallOrder(t.rotation, now);
            return { id: t.id, onCall: order[0] as string, next: order[1] ?? null, handoverAt: new Date(nextHandover(t.rotation, now)).toISOString() };
          }),
          people: config.people.map((p) => {
            const s = shared.get(p.id);
            return { id: p.id, name: p.name, presence: s ? { state: s.state, since: s.since } : null };
          }),
          openByOwner: canRead ? [...byOwner].map(([owner, incidents]) => ({ owner, incidents })) : null,
        };
        sendJson(ctx.res, 200, board);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/presence$/,
      name: 'presence_board',
      handler: (ctx) => {
        const who = requireCredential(ctx);
        rateLimit(who, 'api');
        // The policy is what the consent screen shows: how long it is kept, and exactly who can see it.
        const policy: PresencePolicy = {
          retentionDays: config.presence.retentionDays,
          seenBy: config.people.filter((p) => allows(p.role, 'presence')).map((p) => p.name),
          admins: config.tokens.some((t) => allows(t.role, 'presence')),
        };
        sendJson(ctx.res, 200, { you: { person: who, sharing: deps.presence.hasConsent(who) }, policy, people: deps.presence.board() });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/presence$/,
      name: 'presence_publish',
      handler: async (ctx) => {
        const who = requireCredential(ctx);
        rateLimit(who, 'telemetry');
        const parsed = presenceHttpSchema.safeParse(parseJson(await readBody(ctx.req, config.limits.maxBodyBytes)));
        if (!parsed.success) throw new HttpError(400, 'invalid_body', 'the presence is not valid', describeIssues(parsed.error));
        try {
          deps.presence.publish(who, parsed.data.device, { state: parsed.data.state, since: parsed.data.since });
        } catch (err) {
          if (err instanceof PresenceError) throw new HttpError(409, err.code, err.message);
          throw err;
        }
        sendJson(ctx.res, 202, { accepted: true });
      },
    },
    ...(
      [
        ['presence_consent', 'consent', async (who: string) => ({ sharing: (await deps.presence.consent(who), true) })],
        ['presence_withdraw', 'withdraw', async (who: string) => ({ sharing: (await deps.presence.withdraw(who), false) })],
        ['presence_delete', 'delete', async (who: string) => ({ sharing: false, deleted: await deps.presence.deleteAll(who) })],
      ] as const
    ).map(([name, path, run]): Route => ({
      method: 'POST',
      pattern: new RegExp(`^/api/v1/presence/${path}$`),
      name,
      handler: async (ctx) => {
        const who = requireCredential(ctx);
        rateLimit(who, 'api');
        ctx.req.resume();
        sendJson(ctx.res, 200, { person: who, ...(await run(who)) });
      },
    })),
    {
      method: 'GET',
      pattern: /^\/(?:$|index\.html$|assets\/[\w.-]+$|favicon\.ico$)/,
      name: 'console',
      handler: (ctx) => {
        if (consoleDir && serveConsoleFile(ctx.res, consoleDir, ctx.url.pathname)) return;
        if (ctx.url.pathname === '/' || ctx.url.pathname === '/index.html') sendConsolePlaceholder(ctx.res);
        else throw new HttpError(404, 'not_found', `no file ${ctx.url.pathname}`);
      },
    },
  ];

  return (req, res) => {
    const started = process.hrtime.bigint();
    let routeName = 'unknown';
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requestDuration.observe({ route: routeName, method: req.method ?? '', code: String(res.statusCode) }, seconds);
    });
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const matches = routes.filter((r) => r.pattern.test(url.pathname));
    const route = matches.find((r) => r.method === req.method);
    if (!route) {
      req.resume();
      if (matches.length) sendError(res, new HttpError(405, 'method_not_allowed', `use ${matches.map((r) => r.method).join(' or ')}`, [], { allow: matches.map((r) => r.method).join(', ') }));
      else sendError(res, new HttpError(404, 'not_found', `no route for ${url.pathname}`));
      return;
    }
    routeName = route.name;
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
    Promise.resolve()
      .then(() => route.handler({ req, res, url, params, route: route.name }))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          if (err.status === 413) res.setHeader('connection', 'close');
          sendError(res, err);
        } else if (err instanceof EngineError) {
          sendError(res, new HttpError(err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400, err.code, err.message));
        } else if (err instanceof HubFault) {
          log.error('request failed', { route: routeName, err });
          sendError(res, new HttpError(503, 'unavailable', err.message, [], { 'retry-after': '1' }));
        } else {
          log.error('unexpected error', { route: routeName, err });
          sendError(res, new HttpError(500, 'internal_error', 'internal error'));
        }
      });
  };
}

function outcomeOf(err: unknown): string {
  if (err instanceof HttpError) {
    if (err.status === 401) return 'unauthorized';
    if (err.status === 403) return 'forbidden';
    if (err.status === 413) return 'too_large';
    if (err.status === 429) return 'rate_limited';
    return 'invalid';
  }
  return err instanceof EngineError ? 'invalid' : 'error';
}

/** When the console was not built (`npm run build`), `/` says so instead of failing. */
function sendConsolePlaceholder(res: ServerResponse): void {
  const html =
    '<!doctype html><meta charset="utf-8"><title>Earshot hub</title>' +
    '<p>Earshot hub is running, but its web console is not built: run <code>npm run build</code>. The API is under <code>/api/v1</code>; see the README.</p>';
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}
