/**
 * The hub's WebSocket protocol (`/api/v1/stream`). Both directions are zod
 * discriminated unions; clients and the hub parse every frame with them.
 */
import { z } from 'zod';
import { presenceStateSchema } from '../presence/presence';
import { durationSchema } from '../duration';
import { hubEventSchema, incidentSummarySchema } from '../incidents/types';

export const STREAM_PATH = '/api/v1/stream';
export const PROTOCOL_VERSION = 1;

export const commandSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ack'), incidentId: z.number().int().positive(), actor: z.string().min(1).max(200) }),
  z.object({ action: z.literal('resolve'), incidentId: z.number().int().positive(), actor: z.string().min(1).max(200) }),
  z.object({
    action: z.literal('snooze'),
    incidentId: z.number().int().positive(),
    actor: z.string().min(1).max(200),
    duration: durationSchema,
  }),
]);
export type StreamCommand = z.input<typeof commandSchema>;

const battery = z.number().min(0).max(100).nullable();

/** AirPods status as a device shares it (only when its user enables it). */
export const audioMetricsSchema = z
  .object({
    model: z.string().min(1).max(100),
    state: z.enum(['tracking', 'not-sure', 'not-seen', 'searching']),
    left: z.object({ battery, charging: z.boolean(), inEar: z.boolean() }).strict().optional(),
    right: z.object({ battery, charging: z.boolean(), inEar: z.boolean() }).strict().optional(),
    case: z.object({ battery, charging: z.boolean(), lidOpen: z.boolean().nullable() }).strict().optional(),
    single: z.object({ battery, charging: z.boolean() }).strict().optional(),
    lastSeen: z.string().max(40).optional(),
  })
  .strict();
export type AudioMetrics = z.infer<typeof audioMetricsSchema>;

/** One telemetry sample: a metric of a device, with optional labels (e.g. core, interface). */
export const telemetrySampleSchema = z
  .object({
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,99}$/, 'metric names are letters, digits, _ and :'),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/), z.string().max(200)).default({}),
    /** Milliseconds since the epoch, or an ISO time; default: when the hub receives it. */
    ts: z.union([z.number().int().nonnegative(), z.string().max(40)]).optional(),
    value: z.number().finite(),
  })
  .strict();
export type TelemetrySample = z.output<typeof telemetrySampleSchema>;
export const telemetryBatchSchema = z.array(telemetrySampleSchema).min(1).max(1_000);

/** What a credential may do at the hub (the grants per role are in electron/hub/access.ts). */
export const permissionSchema = z.enum(['ingest', 'publish', 'read', 'act', 'presence']);
export type Permission = z.infer<typeof permissionSchema>;

/** A person's derived presence as their device publishes it (never the signals behind it). */
export const presencePublicationSchema = z.object({ state: presenceStateSchema, since: z.string().datetime({ offset: true }) });
export type PresencePublication = z.infer<typeof presencePublicationSchema>;

/** What a device publishes to the hub. */
export const publicationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('audio_metrics'), data: audioMetricsSchema }),
  z.object({ kind: z.literal('device_telemetry'), samples: telemetryBatchSchema }),
  /** The publishing person's derived presence (only accepted after they consented). */
  presencePublicationSchema.extend({ kind: z.literal('device_presence') }),
]);
export type Publication = z.infer<typeof publicationSchema>;

export const deviceNameSchema = z.string().min(1).max(100).regex(/^[\w.@-]+$/, 'letters, digits and _ . @ - only');

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    /** Needed unless the upgrade request carried `Authorization`. */
    token: z.string().optional(),
    /** The last `seq` this client has applied; the hub replays what came after it. */
    resumeFrom: z.number().int().nonnegative().optional(),
    client: z.string().max(200).optional(),
  }),
  z.object({ type: z.literal('command'), requestId: z.string().min(1).max(100), command: commandSchema }),
  z.object({ type: z.literal('ping'), requestId: z.string().max(100).optional() }),
  z.object({ type: z.literal('publish'), requestId: z.string().min(1).max(100), device: deviceNameSchema, publication: publicationSchema }),
  /** Run a runbook step for an incident (an explicit request from an authenticated person). */
  z.object({
    type: z.literal('run_step'),
    requestId: z.string().min(1).max(100),
    incidentId: z.number().int().positive(),
    runbook: z.string().min(1).max(100),
    step: z.string().min(1).max(64),
    actor: z.string().min(1).max(200),
  }),
]);
export type ClientMessage = z.input<typeof clientMessageSchema>;

const errorSchema = z.object({ code: z.string(), message: z.string() });

/** Live output of a runbook step (not stored; its start and end are events). */
export const stepOutputMessageSchema = z.object({ type: z.literal('step_output'), runId: z.string(), incidentId: z.number().int(), stream: z.enum(['stdout', 'stderr']), data: z.string() });
export const stepFinishedMessageSchema = z.object({
  type: z.literal('step_finished'),
  runId: z.string(),
  incidentId: z.number().int(),
  result: z.object({
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number(),
    outputBytes: z.number(),
    truncated: z.boolean(),
    httpStatus: z.number().int().optional(),
    error: z.string().optional(),
  }),
});
export type StepMessage = z.infer<typeof stepOutputMessageSchema> | z.infer<typeof stepFinishedMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.number(),
    hubVersion: z.string(),
    seq: z.number().int(),
    /** Who the token is and what it may do (hubs before roles send neither). */
    you: z
      .object({
        name: z.string().max(100),
        role: z.string().max(50),
        permissions: z.array(permissionSchema).max(5),
        /** In a team's rotation: announcements follow escalation (speak what you are notified for). */
        routed: z.boolean().optional(),
      })
      .optional(),
  }),
  /** State as of `seq`: open incidents and the most recently resolved ones. */
  z.object({ type: z.literal('snapshot'), seq: z.number().int(), incidents: z.array(incidentSummarySchema) }),
  /** Sent before a replay: events fromSeq+1 … toSeq follow, then live events (after toSeq). */
  z.object({ type: z.literal('resume'), fromSeq: z.number().int(), toSeq: z.number().int() }),
  /** One committed event and the incident as it stood right after it. */
  z.object({ type: z.literal('event'), seq: z.number().int(), event: hubEventSchema, incident: incidentSummarySchema.optional() }),
  z.object({
    type: z.literal('reply'),
    requestId: z.string(),
    ok: z.boolean(),
    incident: incidentSummarySchema.optional(),
    run: z.object({ runId: z.string() }).optional(),
    error: errorSchema.optional(),
  }),
  stepOutputMessageSchema,
  stepFinishedMessageSchema,
  z.object({ type: z.literal('heartbeat'), seq: z.number().int(), serverTime: z.string() }),
  z.object({ type: z.literal('pong'), requestId: z.string().optional() }),
  z.object({ type: z.literal('error'), error: errorSchema }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** WebSocket close codes the hub uses (4000–4999 are for applications). */
export const CLOSE_CODES = {
  unauthorized: 4001,
  helloTimeout: 4002,
  protocolError: 4003,
  slowConsumer: 4008,
  /** The hub could not store events it had already shown: reconnect without resumeFrom. */
  reset: 4009,
  shuttingDown: 1001,
} as const;
