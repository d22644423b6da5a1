/**
 * The generic JSON shape, for anything that is not Alertmanager, Grafana or
 * PagerDuty (cron jobs, scripts, CI). Documented in the README.
 *
 *   { "title": "Backup failed", "severity": "error", "dedupKey": "backup-db1",
 *     "status": "firing" | "resolved", "description": "…", "source": "cron@db1",
 *     "labels": {…}, "annotations": {…}, "links": [{ "href": "https://…", "text": "Logs" }] }
 */
import { z } from 'zod';
import { canonicalJson } from '../../../shared/canonical-json';
import { normalizeSeverity } from '../../../shared/incidents/severity';
import { httpLink, labelFingerprint, labelMap, text, type IngestContext, type IngestPlan } from './common';

export const genericAlertSchema = z.object({
  title: z.string().trim().min(1, 'is missing or blank').max(1_024),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: text(64).optional(),
  dedupKey: text(255).min(1).optional(),
  description: text(65_536).optional(),
  source: text(1_024).optional(),
  labels: labelMap.default({}),
  annotations: labelMap.default({}),
  links: z.array(z.object({ href: text(4_096), text: text(1_024).default('Link') })).max(100).default([]),
  startsAt: text(64).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type GenericAlert = z.infer<typeof genericAlertSchema>;

export function planGeneric(body: GenericAlert, ctx: IngestContext): { plan: IngestPlan; dedupKey: string } {
  // Without a dedupKey the same title and labels are the same problem.
  const dedupKey = body.dedupKey ?? labelFingerprint({ ...body.labels, __title: body.title });
  const key = `generic:${ctx.credential}:${dedupKey}`;
  const labels = body.source ? { source: body.source, ...body.labels } : body.labels;
  const links = body.links.flatMap((l) => httpLink(l.href, l.text));
  return {
    dedupKey,
    plan: {
      kind: 'batch',
      batch: {
        source: 'generic',
        key,
        meta: { title: body.title, groupLabels: {}, commonLabels: labels, truncatedAlerts: 0, links },
        alerts: [
          {
            fingerprint: dedupKey,
            status: body.status,
            severity: normalizeSeverity(body.severity, ctx.defaultSeverity),
            summary: body.title,
            ...(body.description === undefined ? {} : { description: body.description }),
            labels,
            annotations: body.annotations,
            startsAt: body.startsAt,
            links,
            ...(body.details ? { details: JSON.parse(canonicalJson(body.details)) as Record<string, unknown> } : {}),
          },
        ],
      },
    },
  };
}
