/**
 * Grafana unified alerting webhook (payload version "1"): Alertmanager's shape
 * plus orgId, state, title, message and per-alert values and links.
 * https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { alertmanagerAlertSchema, alertmanagerWebhookSchema, groupTitle, normalizeAlertmanagerAlert } from './alertmanager-adapter';
import { httpLink, text, type IngestContext, type IngestPlan } from './common';

const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  values: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).nullable().optional(),
  valueString: text().optional(),
  silenceURL: text(4_096).optional(),
  dashboardURL: text(4_096).optional(),
  panelURL: text(4_096).optional(),
  imageURL: text(4_096).optional(),
});

// Grafana's payload is Alertmanager's with its own version and a few extras.
export const grafanaWebhookSchema = alertmanagerWebhookSchema.extend({
  version: z.literal('1'),
  orgId: z.number().int(),
  state: text(64).optional(),
  title: text().optional(),
  message: text(65_536).optional(),
  alerts: z.array(grafanaAlertSchema).max(10_000),
});
export type GrafanaWebhook = z.infer<typeof grafanaWebhookSchema>;

export function planGrafana(body: GrafanaWebhook, ctx: IngestContext): IngestPlan {
  return {
    kind: 'batch',
    batch: {
      source: 'grafana',
      key: `grafana:${body.orgId}:${body.receiver}:${body.groupKey}`,
      meta: {
        // Grafana's own title embeds counts ("[FIRING:2] …") that change every
        // notification; prefer what names the group.
        title: body.commonAnnotations['summary'] || body.commonLabels['alertname'] || body.title || groupTitle(body),
        groupLabels: body.groupLabels,
        commonLabels: body.commonLabels,
        ...(body.externalURL ? { externalURL: body.externalURL } : {}),
        truncatedAlerts: body.truncatedAlerts,
        links: httpLink(body.externalURL, 'Grafana'),
      },
      alerts: body.alerts.map((a) => {
        const details: Record<string, unknown> = {};
        if (a.imageURL) details['imageURL'] = a.imageURL;
        if (a.valueString) details['valueString'] = a.valueString;
        if (a.values) details['values'] = a.values;
        return normalizeAlertmanagerAlert(
          a,
          ctx,
          [...httpLink(a.dashboardURL, 'Dashboard'), ...httpLink(a.panelURL, 'Panel'), ...httpLink(a.silenceURL, 'Silence')],
          Object.keys(details).length ? details : undefined,
        );
      }),
    },
  };
}

export interface GrafanaSignatureConfig {
  secret: string;
  /** When set, Grafana signs "<timestamp>:<body>" and sends the timestamp in this header. */
  timestampHeader?: string | undefined;
  maxSkewMs: number;
}

export const GRAFANA_SIGNATURE_HEADERS = ['x-grafana-alerting-signature', 'x-grafana-alert-signature'] as const;

/**
 * Checks Grafana's HMAC-SHA256 webhook signature (hex, over the raw body, or over
 * "timestamp:body" when a timestamp header is configured). Returns an error message or null.
 */
export function checkGrafanaSignature(
  config: GrafanaSignatureConfig,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowMs: number,
): string | null {
  const header = GRAFANA_SIGNATURE_HEADERS.map((h) => headers[h]).find((v) => typeof v === 'string');
  if (typeof header !== 'string') return `missing signature header (${GRAFANA_SIGNATURE_HEADERS.join(' or ')})`;
  let signed: Buffer = rawBody;
  if (config.timestampHeader) {
    const ts = headers[config.timestampHeader.toLowerCase()];
    if (typeof ts !== 'string' || !/^\d+$/.test(ts)) return `missing or malformed timestamp header ${config.timestampHeader}`;
    // Unix seconds; tolerate milliseconds too.
    const tsMs = ts.length > 11 ? Number(ts) : Number(ts) * 1000;
    if (Math.abs(nowMs - tsMs) > config.maxSkewMs) return 'signature timestamp is outside the allowed window';
    signed = Buffer.concat([Buffer.from(`${ts}:`), rawBody]);
  }
  const expected = createHmac('sha256', config.secret).update(signed).digest();
  const given = Buffer.from(header.trim().replace(/^sha256=/, ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature does not match the body';
}
