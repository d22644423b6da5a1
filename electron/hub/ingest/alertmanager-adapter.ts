/**
 * Prometheus Alertmanager webhook, payload version 4
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Every POST carries the whole group, firing and resolved alerts alike, so the
 * adapter is a pure mapping and the engine's upsert-by-fingerprint makes it idempotent.
 */
import { z } from 'zod';
import { normalizeSeverity } from '../../../shared/incidents/severity';
import type { Alert } from '../../../shared/incidents/types';
import { endsAtOrUndefined, firstNonEmpty, httpLink, labelFingerprint, labelMap, text, type IngestContext, type IngestPlan } from './common';

export const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: text(64),
  endsAt: text(64).optional(),
  generatorURL: text(4_096).optional(),
  fingerprint: text(256).optional(),
});

export const alertmanagerWebhookSchema = z.object({
  version: z.literal('4'),
  groupKey: text(4_096).min(1),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: text(1_024),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: text(4_096).default(''),
  alerts: z.array(alertmanagerAlertSchema).max(10_000),
});
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

export function normalizeAlertmanagerAlert(
  a: z.infer<typeof alertmanagerAlertSchema>,
  ctx: IngestContext,
  extraLinks: Alert['links'] = [],
  details?: Record<string, unknown>,
): Alert {
  const endsAt = endsAtOrUndefined(a.endsAt);
  const description = firstNonEmpty(a.annotations['description']);
  // Keys in sorted order, so the event log can serialise it canonically without
  // re-sorting (see canonicalJson's fast path).
  const alert: Partial<Alert> = { annotations: a.annotations };
  if (description !== undefined) alert.description = description;
  if (details !== undefined) alert.details = details;
  if (endsAt !== undefined) alert.endsAt = endsAt;
  alert.fingerprint = a.fingerprint || labelFingerprint(a.labels);
  alert.labels = a.labels;
  alert.links = [...httpLink(a.generatorURL, 'Source'), ...extraLinks, ...httpLink(a.annotations['runbook_url'], 'Runbook')];
  alert.severity = normalizeSeverity(a.labels['severity'], ctx.defaultSeverity);
  alert.startsAt = a.startsAt;
  alert.status = a.status;
  alert.summary =
    firstNonEmpty(a.annotations['summary'], a.annotations['message'], a.annotations['description'], a.labels['alertname']) ?? 'Alert';
  return alert as Alert;
}

export function groupTitle(p: Pick<AlertmanagerWebhook, 'commonAnnotations' | 'commonLabels' | 'groupLabels'>): string {
  const grouped = Object.entries(p.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return firstNonEmpty(p.commonAnnotations['summary'], p.groupLabels['alertname'], p.commonLabels['alertname'], grouped) ?? 'Alert group';
}

export function planAlertmanager(body: AlertmanagerWebhook, ctx: IngestContext): IngestPlan {
  return {
    kind: 'batch',
    batch: {
      source: 'alertmanager',
      key: `alertmanager:${body.receiver}:${body.groupKey}`,
      meta: {
        title: groupTitle(body),
        groupLabels: body.groupLabels,
        commonLabels: body.commonLabels,
        ...(body.externalURL ? { externalURL: body.externalURL } : {}),
        truncatedAlerts: body.truncatedAlerts,
        links: httpLink(body.externalURL, 'Alertmanager'),
      },
      alerts: body.alerts.map((a) => normalizeAlertmanagerAlert(a, ctx)),
    },
  };
}
