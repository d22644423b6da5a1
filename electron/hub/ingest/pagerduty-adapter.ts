/**
 * PagerDuty Events API v2 drop-in (`POST /v2/enqueue`), so that Alertmanager's
 * and Grafana's PagerDuty notifiers can point at the hub unchanged.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 *
 * The routing_key is the sender's credential: it never enters the log. Incidents
 * are keyed by the credential's *name* and the dedup_key instead.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { normalizeSeverity } from '../../../shared/incidents/severity';
import { httpLink, text, type IngestContext, type IngestPlan } from './common';

const pagerdutyLinkSchema = z.object({ href: text(4_096), text: text(1_024).optional() }).loose();
const pagerdutyImageSchema = z.object({ src: text(4_096), href: text(4_096).optional(), alt: text(1_024).optional() }).loose();

const payloadSchema = z.object({
  summary: z.string().trim().min(1, 'is missing or blank').max(1_024),
  source: z.string().trim().min(1, 'is missing or blank').max(1_024),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  timestamp: text(64).optional(),
  component: text(1_024).optional(),
  group: text(1_024).optional(),
  class: text(1_024).optional(),
  custom_details: z.unknown().optional(),
});

export const pagerdutyEventSchema = z
  .object({
    routing_key: z.string().min(1, 'is missing or blank').max(1_024),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().max(255).optional(),
    payload: payloadSchema.optional(),
    client: text(1_024).optional(),
    client_url: text(4_096).optional(),
    links: z.array(pagerdutyLinkSchema).max(100).optional(),
    images: z.array(pagerdutyImageSchema).max(100).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.event_action === 'trigger' && event.payload === undefined) {
      ctx.addIssue({ code: 'custom', path: ['payload'], message: 'is required for trigger events' });
    }
    if (event.event_action !== 'trigger' && !event.dedup_key) {
      ctx.addIssue({ code: 'custom', path: ['dedup_key'], message: `is required for ${event.event_action} events` });
    }
  });
export type PagerdutyEvent = z.infer<typeof pagerdutyEventSchema>;

export function pagerdutyKey(credential: string, dedupKey: string): string {
  return `pagerduty:${credential}:${dedupKey}`;
}

/** Returns the plan and the dedup_key to answer with (generated for a trigger without one). */
export function planPagerduty(event: PagerdutyEvent, ctx: IngestContext): { plan: IngestPlan; dedupKey: string } {
  const dedupKey = event.dedup_key || randomUUID().replace(/-/g, '');
  const key = pagerdutyKey(ctx.credential, dedupKey);
  const actor = event.client || `pagerduty:${ctx.credential}`;
  if (event.event_action === 'acknowledge') return { dedupKey, plan: { kind: 'acknowledge-key', key, actor } };
  if (event.event_action === 'resolve') return { dedupKey, plan: { kind: 'resolve-key', key, actor } };

  const p = event.payload as z.infer<typeof payloadSchema>;
  const labels: Record<string, string> = { source: p.source };
  if (p.component) labels['component'] = p.component;
  if (p.group) labels['group'] = p.group;
  if (p.class) labels['class'] = p.class;
  const links = [
    ...httpLink(event.client_url, event.client || 'Client'),
    ...(event.links ?? []).flatMap((l) => httpLink(l.href, l.text || l.href)),
  ];
  const details: Record<string, unknown> = {};
  if (p.custom_details !== undefined) details['custom_details'] = p.custom_details;
  if (event.images?.length) details['images'] = event.images;
  return {
    dedupKey,
    plan: {
      kind: 'batch',
      batch: {
        source: 'pagerduty',
        key,
        routingKey: ctx.credential,
        meta: { title: p.summary, groupLabels: {}, commonLabels: labels, truncatedAlerts: 0, links },
        alerts: [
          {
            fingerprint: dedupKey,
            status: 'firing',
            severity: normalizeSeverity(p.severity, ctx.defaultSeverity),
            summary: p.summary,
            labels,
            annotations: {},
            startsAt: p.timestamp || undefined,
            links,
            ...(Object.keys(details).length ? { details } : {}),
          },
        ],
      },
    },
  };
}
