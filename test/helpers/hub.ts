/** Starts real hubs for tests: ephemeral loopback port, temp data dir, silent logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHubConfig, type HubConfigInput } from '../../electron/hub/config';
import { startHub, type RunningHub, type StartHubOptions } from '../../electron/hub/index';
import { createLogger } from '../../electron/hub/log';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestHub {
  hub: RunningHub;
  url: string;
  dataDir: string;
  token: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'earshot-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestHub(overrides: Partial<HubConfigInput> = {}, dataDir = tempDir(), options: StartHubOptions = {}): Promise<TestHub> {
  const config = parseHubConfig({
    port: 0,
    hosts: ['127.0.0.1'],
    dataDir,
    tokens: [{ name: 'admin', token: TEST_TOKEN }],
    logLevel: 'silent',
    ...overrides,
  });
  const hub = await startHub(config, { log: createLogger('silent'), ...options });
  const auth = { authorization: `Bearer ${TEST_TOKEN}` };
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(hub.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics, HTML)
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
  let closed = false;
  return {
    hub,
    url: hub.url,
    dataDir,
    token: TEST_TOKEN,
    post: (path, body, headers = {}) => call('POST', path, body, headers),
    get: (path, headers = {}) => call('GET', path, undefined, headers),
    close: async () => {
      if (closed) return;
      closed = true;
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An Alertmanager v4 webhook body as Alertmanager 0.25 sends it. */
export function amWebhook(
  alerts: { fp: string; status: 'firing' | 'resolved'; severity?: string; summary?: string; labels?: Record<string, string> }[],
  group = 'DiskFull',
): Record<string, unknown> {
  return {
    receiver: 'earshot',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: group, severity: a.severity ?? 'critical', instance: a.fp, ...a.labels },
      annotations: { summary: a.summary ?? `${group} on ${a.fp}` },
      startsAt: '2026-11-21T10:00:00.123456789Z',
      endsAt: a.status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-21T10:05:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: a.fp,
    })),
    groupLabels: { alertname: group },
    commonLabels: { alertname: group },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{alertname="${group}"}`,
    truncatedAlerts: 0,
  };
}
