import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertmanagerWebhookSchema, planAlertmanager } from '../../electron/hub/ingest/alertmanager-adapter';
import type { IngestContext } from '../../electron/hub/ingest/common';
import { genericAlertSchema, planGeneric } from '../../electron/hub/ingest/generic-adapter';
import { checkGrafanaSignature, grafanaWebhookSchema, planGrafana } from '../../electron/hub/ingest/grafana-adapter';
import { pagerdutyEventSchema, planPagerduty } from '../../electron/hub/ingest/pagerduty-adapter';
import { canonicalJson } from '../../shared/canonical-json';
import { describeIssues } from '../../shared/zod-issues';
import { amWebhook } from '../helpers/hub';

const ctx: IngestContext = { credential: 'admin', receivedAt: new Date('2026-11-21T10:00:00Z'), defaultSeverity: 'error' };

function issues(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  if (r.success) return [];
  return describeIssues(r.error as never);
}

describe('Alertmanager adapter', () => {
  it('maps a v4 webhook: group key, zero endsAt dropped, severity from labels, generator link', () => {
    const body = alertmanagerWebhookSchema.parse(amWebhook([{ fp: 'f1', status: 'firing', severity: 'page' }, { fp: 'f2', status: 'resolved', severity: 'warning' }]));
    const plan = planAlertmanager(body, ctx);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    expect(plan.batch.key).toBe('alertmanager:earshot:{}:{alertname="DiskFull"}');
    expect(plan.batch.meta.title).toBe('DiskFull');
    const [a, b] = plan.batch.alerts;
    expect(a).toMatchObject({ fingerprint: 'f1', status: 'firing', severity: 'critical', summary: 'DiskFull on f1' });
    expect(a?.endsAt).toBeUndefined();
    expect(a?.links[0]).toEqual({ href: 'http://prometheus.example:9090/graph?g0.expr=up', text: 'Source' });
    expect(b).toMatchObject({ status: 'resolved', severity: 'warning', endsAt: '2026-11-21T10:05:00Z' });
  });

  it('records truncatedAlerts and falls back to a label fingerprint when none is sent', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing' }]);
    raw['truncatedAlerts'] = 7;
    delete (raw['alerts'] as Record<string, unknown>[])[0]?.['fingerprint'];
    const plan = planAlertmanager(alertmanagerWebhookSchema.parse(raw), ctx);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    expect(plan.batch.meta.truncatedAlerts).toBe(7);
    expect(plan.batch.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('uses the default severity for a missing or unknown severity label', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing', severity: 'bananas' }]);
    const plan = planAlertmanager(alertmanagerWebhookSchema.parse(raw), ctx);
    expect(plan.kind === 'batch' && plan.batch.alerts[0]?.severity).toBe('error');
  });

  it('names every offending field of a malformed body', () => {
    expect(issues(alertmanagerWebhookSchema, { version: '3', alerts: [{ status: 'burning', labels: { a: 1 } }] })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^version: /),
        expect.stringMatching(/^groupKey: /),
        expect.stringMatching(/^alerts\[0\]\.status: /),
        expect.stringMatching(/^alerts\[0\]\.labels\.a: /),
        expect.stringMatching(/^alerts\[0\]\.startsAt: /),
      ]),
    );
  });

  it.each([
    ['a JSON array', []],
    ['a string', 'hello'],
    ['null', null],
    ['a number', 42],
  ])('rejects %s as the body', (_name, body) => {
    expect(issues(alertmanagerWebhookSchema, body)[0]).toMatch(/^\(body\): /);
  });

  it('keeps hostile text as inert data: markup, prototype keys and control characters survive verbatim', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing', summary: '<img src=x onerror=alert(1)> $(rm -rf /) `id`\n-- --help' }]);
    const alerts = raw['alerts'] as Record<string, Record<string, string>>[];
    const labels = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":"x","alertname":"DiskFull"}') as Record<string, string>;
    (alerts[0] as Record<string, unknown>)['labels'] = labels;
    const plan = planAlertmanager(alertmanagerWebhookSchema.parse(JSON.parse(JSON.stringify(raw))), ctx);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    expect(plan.batch.alerts[0]?.summary).toBe('<img src=x onerror=alert(1)> $(rm -rf /) `id`\n-- --help');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('sorts label keys once at the boundary, so the log stores them on the canonical fast path', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing' }]);
    const alert = (raw['alerts'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    alert['labels'] = JSON.parse('{"zone":"eu","alertname":"DiskFull","__proto__":"p","10":"ten","9":"nine"}') as Record<string, string>;
    const plan = planAlertmanager(alertmanagerWebhookSchema.parse(JSON.parse(JSON.stringify(raw))), ctx);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    const labels = plan.batch.alerts[0]?.labels ?? {};
    // zod drops a "__proto__" key from records (Prometheus reserves "__" names anyway); nothing is polluted.
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(canonicalJson(labels)).toBe('{"10":"ten","9":"nine","alertname":"DiskFull","zone":"eu"}');
    // Non-integer keys come out in canonical order (integer-like keys are ordered by JS itself; canonicalJson's slow path handles them).
    expect(Object.keys(labels).filter((k) => !/^\d+$/.test(k))).toEqual(['alertname', 'zone']);
  });

  it('bounds field sizes', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing', summary: 'y'.repeat(20_000) }]);
    expect(issues(alertmanagerWebhookSchema, raw)[0]).toMatch(/^alerts\[0\]\.annotations\.summary: /);
  });

  it('drops links that are not http(s)', () => {
    const raw = amWebhook([{ fp: 'x', status: 'firing' }]);
    (raw['alerts'] as Record<string, unknown>[])[0]!['generatorURL'] = 'javascript:alert(1)';
    const plan = planAlertmanager(alertmanagerWebhookSchema.parse(raw), ctx);
    expect(plan.kind === 'batch' && plan.batch.alerts[0]?.links).toEqual([]);
  });
});

describe('Grafana adapter', () => {
  const grafana = (): Record<string, unknown> => ({
    ...amWebhook([{ fp: 'g1', status: 'firing' }], 'HighLatency'),
    version: '1',
    orgId: 1,
    state: 'alerting',
    title: '[FIRING:1] HighLatency (api)',
    message: 'latency high',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighLatency', severity: 'warning' },
        annotations: { summary: 'p99 above 2s' },
        startsAt: '2026-11-21T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://grafana.example/alerting/grafana/abc/view',
        fingerprint: 'g1',
        silenceURL: 'http://grafana.example/alerting/silence/new',
        dashboardURL: 'http://grafana.example/d/xyz',
        panelURL: 'http://grafana.example/d/xyz?viewPanel=2',
        values: { B: 2.31, C: 1 },
        valueString: "[ var='B' value=2.31 ]",
      },
    ],
  });

  it('maps values, dashboard, panel and silence links, keyed by org and group', () => {
    const plan = planGrafana(grafanaWebhookSchema.parse(grafana()), ctx);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    expect(plan.batch.key).toBe('grafana:1:earshot:{}:{alertname="HighLatency"}');
    expect(plan.batch.meta.title).toBe('HighLatency');
    const a = plan.batch.alerts[0];
    expect(a?.links.map((l) => l.text)).toEqual(['Source', 'Dashboard', 'Panel', 'Silence']);
    expect(a?.details).toEqual({ values: { B: 2.31, C: 1 }, valueString: "[ var='B' value=2.31 ]" });
    expect(a?.severity).toBe('warning');
  });

  it('requires orgId and version "1"', () => {
    const raw = grafana();
    delete raw['orgId'];
    raw['version'] = '4';
    expect(issues(grafanaWebhookSchema, raw)).toEqual(expect.arrayContaining([expect.stringMatching(/^version: /), expect.stringMatching(/^orgId: /)]));
  });

  describe('HMAC signature', () => {
    const body = Buffer.from('{"hello":"world"}');
    const secret = 's3cret';
    const sign = (data: Buffer | string) => createHmac('sha256', secret).update(data).digest('hex');
    const now = 1_800_000_000_000;

    it('accepts the body signature under either header name', () => {
      expect(checkGrafanaSignature({ secret, maxSkewMs: 300_000 }, { 'x-grafana-alerting-signature': sign(body) }, body, now)).toBeNull();
      expect(checkGrafanaSignature({ secret, maxSkewMs: 300_000 }, { 'x-grafana-alert-signature': sign(body) }, body, now)).toBeNull();
    });

    it('rejects a missing or wrong signature, and a body changed after signing', () => {
      expect(checkGrafanaSignature({ secret, maxSkewMs: 300_000 }, {}, body, now)).toMatch(/missing signature/);
      expect(checkGrafanaSignature({ secret, maxSkewMs: 300_000 }, { 'x-grafana-alerting-signature': 'zz' }, body, now)).toMatch(/does not match/);
      expect(checkGrafanaSignature({ secret, maxSkewMs: 300_000 }, { 'x-grafana-alerting-signature': sign(body) }, Buffer.from('{"hello":"w0rld"}'), now)).toMatch(/does not match/);
    });

    it('with a timestamp header, signs "timestamp:body" and refuses stale timestamps', () => {
      const cfg = { secret, timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp', maxSkewMs: 300_000 };
      const ts = String(now / 1000);
      const headers = { 'x-grafana-alerting-signature': sign(`${ts}:${body.toString()}`), 'x-grafana-alerting-signature-timestamp': ts };
      expect(checkGrafanaSignature(cfg, headers, body, now)).toBeNull();
      expect(checkGrafanaSignature(cfg, headers, body, now + 301_000)).toMatch(/outside the allowed window/);
      expect(checkGrafanaSignature(cfg, { ...headers, 'x-grafana-alerting-signature': sign(body) }, body, now)).toMatch(/does not match/);
      expect(checkGrafanaSignature(cfg, { 'x-grafana-alerting-signature': sign(body) }, body, now)).toMatch(/timestamp header/);
    });
  });
});

describe('PagerDuty Events v2 adapter', () => {
  const trigger = { routing_key: 'rk', event_action: 'trigger', payload: { summary: 'DB down', source: 'db-1', severity: 'critical', component: 'postgres', custom_details: { a: 1 } }, links: [{ href: 'https://runbook.example/db', text: 'Runbook' }] };

  it('generates a dedup_key for a trigger without one, and keys the incident by credential name, not the secret', () => {
    const { plan, dedupKey } = planPagerduty(pagerdutyEventSchema.parse(trigger), ctx);
    expect(dedupKey).toMatch(/^[0-9a-f]{32}$/);
    if (plan.kind !== 'batch') throw new Error('expected a batch');
    expect(plan.batch.key).toBe(`pagerduty:admin:${dedupKey}`);
    expect(JSON.stringify(plan)).not.toContain('"rk"');
    expect(plan.batch.alerts[0]).toMatchObject({ severity: 'critical', summary: 'DB down', labels: { source: 'db-1', component: 'postgres' }, details: { custom_details: { a: 1 } } });
    expect(plan.batch.meta.links).toEqual([{ href: 'https://runbook.example/db', text: 'Runbook' }]);
  });

  it('acknowledge and resolve address the incident by dedup_key', () => {
    expect(planPagerduty(pagerdutyEventSchema.parse({ routing_key: 'rk', event_action: 'acknowledge', dedup_key: 'k1' }), ctx).plan).toEqual({ kind: 'acknowledge-key', key: 'pagerduty:admin:k1', actor: 'pagerduty:admin' });
    expect(planPagerduty(pagerdutyEventSchema.parse({ routing_key: 'rk', event_action: 'resolve', dedup_key: 'k1', client: 'Alertmanager' }), ctx).plan).toEqual({ kind: 'resolve-key', key: 'pagerduty:admin:k1', actor: 'Alertmanager' });
  });

  it('names what is wrong, as PagerDuty does', () => {
    expect(issues(pagerdutyEventSchema, { routing_key: 'rk', event_action: 'trigger', payload: { summary: ' ', source: 's', severity: 'urgent' } })).toEqual([
      'payload.summary: is missing or blank',
      expect.stringMatching(/^payload\.severity: /),
    ]);
    expect(issues(pagerdutyEventSchema, { routing_key: 'rk', event_action: 'resolve' })).toEqual(['dedup_key: is required for resolve events']);
    expect(issues(pagerdutyEventSchema, { routing_key: 'rk', event_action: 'trigger' })).toEqual(['payload: is required for trigger events']);
    expect(issues(pagerdutyEventSchema, { event_action: 'explode' })).toEqual([expect.stringMatching(/^routing_key: /), expect.stringMatching(/^event_action: /)]);
  });

  it('accepts exactly what Alertmanager 0.25 sends (empty images and links, string custom_details)', () => {
    const am = { client: 'Alertmanager', client_url: 'http://am:9093/#/alerts?receiver=pd', routing_key: 'rk', event_action: 'trigger', dedup_key: 'abc', images: [], links: [], payload: { summary: '[FIRING:1] DiskFull', source: 'Alertmanager', severity: 'error', custom_details: { firing: 'Labels:\n - alertname = DiskFull\n', num_firing: '1', num_resolved: '0', resolved: '' } } };
    const { plan } = planPagerduty(pagerdutyEventSchema.parse(am), ctx);
    expect(plan.kind === 'batch' && plan.batch.meta.links).toEqual([{ href: 'http://am:9093/#/alerts?receiver=pd', text: 'Alertmanager' }]);
  });
});

describe('generic adapter', () => {
  it('derives a stable dedup key from title and labels when none is given', () => {
    const a = planGeneric(genericAlertSchema.parse({ title: 'Backup failed', labels: { host: 'db1' } }), ctx);
    const b = planGeneric(genericAlertSchema.parse({ title: 'Backup failed', labels: { host: 'db1' } }), ctx);
    const c = planGeneric(genericAlertSchema.parse({ title: 'Backup failed', labels: { host: 'db2' } }), ctx);
    expect(a.dedupKey).toBe(b.dedupKey);
    expect(a.dedupKey).not.toBe(c.dedupKey);
  });

  it('maps severity words and keeps the source as a label', () => {
    const { plan } = planGeneric(genericAlertSchema.parse({ title: 'x', severity: 'SEV1', source: 'cron@db1', dedupKey: 'k' }), ctx);
    expect(plan.kind === 'batch' && plan.batch.alerts[0]).toMatchObject({ severity: 'critical', labels: { source: 'cron@db1' }, fingerprint: 'k' });
  });

  it('requires a title', () => {
    expect(issues(genericAlertSchema, { severity: 'info' })).toEqual([expect.stringMatching(/^title: /)]);
  });
});
