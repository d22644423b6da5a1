/**
 * Body → plan for the webhook senders: JSON, schema, normalising. Pure and
 * synchronous, so it runs the same on the hub's thread and on a decode worker
 * (see decoder.ts). Errors come back as data (not thrown) so they cross a
 * thread boundary intact.
 */
import { describeIssues } from '../../../shared/zod-issues';
import { HttpError, parseJson } from '../http-util';
import { alertmanagerWebhookSchema, planAlertmanager } from './alertmanager-adapter';
import type { IngestContext, IngestPlan } from './common';
import { genericAlertSchema, planGeneric } from './generic-adapter';
import { grafanaWebhookSchema, planGrafana } from './grafana-adapter';

export type DecodableSender = 'alertmanager' | 'grafana' | 'generic';

export type DecodedIngest =
  | { ok: true; plan: IngestPlan; dedupKey?: string }
  | { ok: false; status: number; code: string; message: string; issues: string[] };

export function decodeIngest(sender: DecodableSender, raw: Uint8Array, ctx: IngestContext): DecodedIngest {
  try {
    const json = parseJson(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    switch (sender) {
      case 'alertmanager': {
        const parsed = alertmanagerWebhookSchema.safeParse(json);
        if (!parsed.success) return invalid(sender, describeIssues(parsed.error));
        return { ok: true, plan: planAlertmanager(parsed.data, ctx) };
      }
      case 'grafana': {
        const parsed = grafanaWebhookSchema.safeParse(json);
        if (!parsed.success) return invalid(sender, describeIssues(parsed.error));
        return { ok: true, plan: planGrafana(parsed.data, ctx) };
      }
      case 'generic': {
        const parsed = genericAlertSchema.safeParse(json);
        if (!parsed.success) return invalid(sender, describeIssues(parsed.error));
        return { ok: true, ...planGeneric(parsed.data, ctx) };
      }
    }
  } catch (err) {
    if (err instanceof HttpError) return { ok: false, status: err.status, code: err.code, message: err.message, issues: err.issues };
    throw err;
  }
}

function invalid(sender: DecodableSender, issues: string[]): DecodedIngest {
  return { ok: false, status: 400, code: 'invalid_body', message: `invalid ${sender} payload`, issues };
}
