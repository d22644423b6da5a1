/**
 * Debian's prometheus-alertmanager as a real, unmodified sender: its webhook
 * notifier and its PagerDuty notifier (url overridden) both point at the hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerVersion, pushAlerts, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager';
import { TEST_TOKEN, startTestHub, type TestHub } from '../helpers/hub';

const version = alertmanagerVersion();
if (!version && process.env['CI']) throw new Error('CI must have prometheus-alertmanager installed (.ci/run installs it)');

describe.skipIf(!version)(`real Alertmanager ${version ?? '(skipped: /usr/bin/prometheus-alertmanager not installed; apt-get install prometheus-alertmanager)'} as sender`, () => {
  let t: TestHub;
  let am: RunningAlertmanager;

  beforeAll(async () => {
    t = await startTestHub();
    am = await startAlertmanager(`
route:
  receiver: earshot
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: earshot-pagerduty
      matchers: ['route="pagerduty"']
receivers:
  - name: earshot
    webhook_configs:
      - url: ${t.url}/api/v1/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${TEST_TOKEN}
  - name: earshot-pagerduty
    pagerduty_configs:
      - routing_key: ${TEST_TOKEN}
        url: ${t.url}/v2/enqueue
        send_resolved: true
        severity: critical
`);
  });

  afterAll(async () => {
    await am?.stop();
    await t?.close();
  });

  async function waitForIncidents(pred: (incidents: any[]) => boolean, what: string): Promise<any[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { incidents } = (await t.get('/api/v1/incidents')).body;
      if (pred(incidents)) return incidents;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; hub has ${JSON.stringify(incidents)}; alertmanager log: ${am.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('incidents appear from the webhook and PagerDuty notifiers, then resolve when the alerts end', async () => {
    const startsAt = new Date().toISOString();
    const alerts = [
      { labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical' }, annotations: { summary: 'Disk almost full on db-1' }, generatorURL: 'http://prometheus.example/graph?g0.expr=disk', startsAt },
      { labels: { alertname: 'DiskFull', instance: 'db-2', severity: 'warning' }, annotations: { summary: 'Disk almost full on db-2' }, startsAt },
      { labels: { alertname: 'DatabaseDown', instance: 'pg-1', route: 'pagerduty' }, annotations: { summary: 'Postgres is down' }, startsAt },
    ];
    await pushAlerts(am.url, alerts);

    const open = await waitForIncidents(
      (list) => list.some((i) => i.source === 'alertmanager' && i.alertCounts.firing === 2) && list.some((i) => i.source === 'pagerduty'),
      'the webhook incident with 2 alerts and the PagerDuty incident',
    );
    const webhook = open.find((i) => i.source === 'alertmanager');
    expect(webhook).toMatchObject({ status: 'triggered', severity: 'critical', title: 'DiskFull', groupLabels: { alertname: 'DiskFull' } });
    expect(webhook.key).toBe('alertmanager:earshot:{}:{alertname="DiskFull"}');
    const detail = (await t.get(`/api/v1/incidents/${webhook.id}`)).body.incident;
    expect(detail.alerts.map((a: any) => a.summary).sort()).toEqual(['Disk almost full on db-1', 'Disk almost full on db-2']);
    expect(detail.alerts.find((a: any) => a.labels.instance === 'db-1').links).toEqual([{ href: 'http://prometheus.example/graph?g0.expr=disk', text: 'Source' }]);
    const pd = open.find((i) => i.source === 'pagerduty');
    expect(pd).toMatchObject({ status: 'triggered', severity: 'critical' });
    expect(pd.title).toMatch(/DatabaseDown/);

    // The engineer acknowledges one; it must still resolve when the sender says so.
    expect((await t.post(`/api/v1/incidents/${webhook.id}/ack`, { actor: 'alice' })).status).toBe(200);

    const endsAt = new Date().toISOString();
    await pushAlerts(am.url, alerts.map((a) => ({ ...a, endsAt })));
    const closed = await waitForIncidents((list) => list.length === 2 && list.every((i) => i.status === 'resolved'), 'both incidents resolved');
    expect(closed.find((i) => i.source === 'alertmanager')).toMatchObject({ resolveReason: 'sender', acknowledgedBy: 'alice' });
    expect(closed.find((i) => i.source === 'pagerduty')).toMatchObject({ resolveReason: 'sender' });

    const metrics: string = (await t.get('/metrics')).body;
    expect(metrics).toMatch(/earshot_ingest_requests_total\{sender="alertmanager",outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/earshot_ingest_requests_total\{sender="pagerduty",outcome="accepted"\} [1-9]/);
    expect(metrics).not.toMatch(/outcome="(invalid|unauthorized|error)"/);
  });
});
