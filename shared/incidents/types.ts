import { z } from 'zod';
import { SEVERITIES } from './severity';

export const severitySchema = z.enum(SEVERITIES);
export const SENDERS = ['alertmanager', 'grafana', 'pagerduty', 'generic', 'earshot-anomaly'] as const;
export const senderSchema = z.enum(SENDERS);
export type Sender = z.infer<typeof senderSchema>;

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);
export type IncidentStatus = z.infer<typeof incidentStatusSchema>;

export const labelSetSchema = z.record(z.string(), z.string());
export type LabelSet = z.infer<typeof labelSetSchema>;

export const linkSchema = z.object({ href: z.string(), text: z.string() });
export type Link = z.infer<typeof linkSchema>;

/** One alert as every adapter normalises it. */
export const alertSchema = z.object({
  fingerprint: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  severity: severitySchema,
  summary: z.string(),
  description: z.string().optional(),
  labels: labelSetSchema,
  annotations: labelSetSchema,
  startsAt: z.string(),
  endsAt: z.string().optional(),
  links: z.array(linkSchema),
  /** Sender-specific extras worth keeping (Grafana `values`, PagerDuty `custom_details`, …). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Alert = z.infer<typeof alertSchema>;

const incidentMetaSchema = z.object({
  title: z.string(),
  groupLabels: labelSetSchema,
  commonLabels: labelSetSchema,
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative(),
  links: z.array(linkSchema),
});
export type IncidentMeta = z.infer<typeof incidentMetaSchema>;

export const resolveReasonSchema = z.enum(['sender', 'manual', 'expired']);
export type ResolveReason = z.infer<typeof resolveReasonSchema>;
export const retriggerReasonSchema = z.enum(['snooze-expired', 'severity-increased']);

/** Every fact the hub records. The `events` table holds exactly these, hash-chained. */
export const eventBodySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('incident.triggered'),
    data: incidentMetaSchema.extend({
      key: z.string(),
      source: senderSchema,
      severity: severitySchema,
      routingKey: z.string().optional(),
    }),
  }),
  /** The alerts one notification added or changed (one event per notification, not per alert). */
  z.object({ type: z.literal('alerts.upserted'), data: z.object({ alerts: z.array(alertSchema).min(1) }) }),
  z.object({ type: z.literal('incident.updated'), data: incidentMetaSchema.partial() }),
  z.object({ type: z.literal('incident.acknowledged'), data: z.object({ via: z.string().optional() }) }),
  z.object({ type: z.literal('incident.snoozed'), data: z.object({ until: z.string(), via: z.string().optional() }) }),
  z.object({
    type: z.literal('incident.retriggered'),
    data: z.object({ reason: retriggerReasonSchema, severity: severitySchema.optional() }),
  }),
  z.object({ type: z.literal('alerts.expired'), data: z.object({ fingerprints: z.array(z.string()) }) }),
  z.object({
    type: z.literal('incident.resolved'),
    data: z.object({ reason: resolveReasonSchema, via: z.string().optional() }),
  }),
  /** A runbook step was started: who (the event's actor), which runbook (and its content hash), what exactly ran. */
  z.object({
    type: z.literal('runbook.step.started'),
    data: z.object({
      runId: z.string(),
      runbook: z.string(),
      runbookTitle: z.string(),
      contentHash: z.string(),
      step: z.string(),
      stepTitle: z.string(),
      argv: z.array(z.string()).optional(),
      request: z.object({ method: z.string(), url: z.string() }).optional(),
      via: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('runbook.step.finished'),
    data: z.object({
      runId: z.string(),
      runbook: z.string(),
      step: z.string(),
      stepTitle: z.string(),
      exitCode: z.number().int().nullable(),
      signal: z.string().nullable(),
      timedOut: z.boolean(),
      durationMs: z.number().int().nonnegative(),
      outputBytes: z.number().int().nonnegative(),
      truncated: z.boolean(),
      httpStatus: z.number().int().optional(),
      error: z.string().optional(),
    }),
  }),
  /** Escalation notified people about the incident (who, at which level, why, who was skipped as away). */
  z.object({
    type: z.literal('incident.notified'),
    data: z.object({
      team: z.string(),
      level: z.number().int().positive(),
      people: z.array(z.string()).min(1),
      reason: z.enum(['first', 'not acknowledged', 'previous away', 'nobody present']),
      skipped: z.array(z.string()),
    }),
  }),
  /**
   * Hub-level facts (incidentId 0, no incident): presence consent, withdrawal and
   * deletion. They record that it happened and who — never the presence data itself.
   */
  z.object({ type: z.literal('presence.consented'), data: z.object({ person: z.string(), shares: z.array(z.string()) }) }),
  z.object({ type: z.literal('presence.withdrawn'), data: z.object({ person: z.string() }) }),
  z.object({ type: z.literal('presence.deleted'), data: z.object({ person: z.string(), records: z.number().int().nonnegative(), why: z.enum(['request', 'retention']) }) }),
]);
export type EventBody = z.infer<typeof eventBodySchema>;
export type EventType = EventBody['type'];

export const eventEnvelopeSchema = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  /** 0 for hub-level events (presence.*): facts about the hub, not an incident. */
  incidentId: z.number().int().nonnegative(),
  actor: z.string(),
});
export const hubEventSchema = z.intersection(eventEnvelopeSchema, eventBodySchema);
/** A committed event: what was stored, with its place in the log. */
export type HubEvent = z.infer<typeof eventEnvelopeSchema> & EventBody;
/** An event the engine decided on, before the store gives it a place. */
export type EventDraft = Omit<z.infer<typeof eventEnvelopeSchema>, 'seq' | 'ts'> & EventBody;

export const timelineEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  text: z.string(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/** What lists and the live stream carry: an incident without its alerts and timeline. */
export const incidentSummarySchema = z.object({
  id: z.number().int().positive(),
  key: z.string(),
  source: senderSchema,
  status: incidentStatusSchema,
  severity: severitySchema,
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  acknowledgedAt: z.string().optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAt: z.string().optional(),
  resolvedBy: z.string().optional(),
  resolveReason: resolveReasonSchema.optional(),
  snoozedUntil: z.string().optional(),
  alertCounts: z.object({ firing: z.number().int(), resolved: z.number().int() }),
  groupLabels: labelSetSchema,
  commonLabels: labelSetSchema,
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().int(),
  links: z.array(linkSchema),
  lastSeq: z.number().int(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

export const incidentDetailSchema = incidentSummarySchema.extend({
  routingKey: z.string().optional(),
  alerts: z.array(alertSchema),
  timeline: z.array(timelineEntrySchema),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;
