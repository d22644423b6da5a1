import { describe, expect, it } from 'vitest';
import { TelemetryCollector, TelemetryHistory } from '../../electron/telemetry/collector';
import { deviceIdFor, describeMetric, formatValue, toHubSamples } from '../../shared/telemetry/local';
import { startTestHub } from '../helpers/hub';

describe('local telemetry collector (this machine)', () => {
  it('samples CPU, per-core CPU, memory, network and disk; leaves out what this machine lacks', async () => {
    const c = new TelemetryCollector();
    await c.collect(1_000);
    // systeminformation derives bytes/s from two readings at least a second apart.
    await new Promise((r) => setTimeout(r, 1_100));
    const { metrics } = await c.collect(2_000);
    expect(metrics['cpu.total']).toBeGreaterThanOrEqual(0);
    expect(metrics['cpu.total']).toBeLessThanOrEqual(100);
    expect(Object.keys(metrics).filter((k) => k.startsWith('cpu.core.'))).toHaveLength((await import('node:os')).cpus().length);
    expect(metrics['mem.used']).toBeGreaterThan(0);
    expect(metrics['disk.used']).toBeGreaterThan(0);
    expect(Object.keys(metrics).some((k) => /^net\.[\w.-]+\.rx$/.test(k))).toBe(true);
    expect(Object.keys(metrics).some((k) => k.startsWith('net.lo.'))).toBe(false);
    // This VM has no battery: no battery metric at all, rather than 0.
    if (!(await (await import('systeminformation')).default.battery()).hasBattery) expect(metrics['battery.percent']).toBeUndefined();
  });

  it('keeps the last hour, oldest first, with gaps where a metric was missing', () => {
    const h = new TelemetryHistory(3);
    h.push({ ts: 1, metrics: { a: 1, b: 10 } });
    h.push({ ts: 2, metrics: { a: 2 } });
    h.push({ ts: 3, metrics: { a: 3, b: 30 } });
    h.push({ ts: 4, metrics: { a: 4, b: 40 } });
    expect(h.snapshot()).toEqual({ ts: [2, 3, 4], metrics: { a: [2, 3, 4], b: [null, 30, 40] } });
  });
});

describe('sharing with the hub', () => {
  it('a real sample of this machine, named for the hub, is accepted whole', async () => {
    const c = new TelemetryCollector();
    const sample = await c.collect(Date.now());
    sample.metrics['airpods.left'] = 80;
    sample.metrics['mem.total'] = 1; // no hub name: stays local
    const samples = toHubSamples(sample);
    expect(samples.length).toBe(Object.keys(sample.metrics).length - 1);
    const t = await startTestHub();
    try {
      const device = deviceIdFor('Ana’s MacBook Pro (2)');
      expect(device).toBe('Ana-s-MacBook-Pro--2-');
      const res = await t.post('/api/v1/ingest/telemetry', { device, samples });
      expect(res.body).toEqual({ accepted: samples.length, rejected: [] });
      const { series } = (await t.get(`/api/v1/telemetry?device=${device}`)).body;
      expect(series.map((s: { metric: string }) => s.metric)).toEqual(expect.arrayContaining(['memory_used_bytes', 'airpods_battery_percent']));
    } finally {
      await t.close();
    }
  });
});

describe('metric names and units', () => {
  it.each([
    ['cpu.total', 'CPU', 'cpu_percent', {}],
    ['cpu.core.3', 'CPU core 3', 'cpu_core_percent', { core: '3' }],
    ['net.en0.rx', 'en0 received', 'net_receive_bytes_per_second', { iface: 'en0' }],
    ['airpods.case', 'AirPods case', 'airpods_battery_percent', { part: 'case' }],
  ])('%s', (name, label, metric, labels) => {
    expect(describeMetric(name)).toMatchObject({ label, hub: { metric, labels } });
  });
  it('formats values with their units', () => {
    expect(formatValue(3.14159, 'percent')).toBe('3.1 %');
    expect(formatValue(8 * 1024 ** 3, 'bytes')).toBe('8.0 GiB');
    expect(formatValue(1536, 'bytes/s')).toBe('1.5 KiB/s');
    expect(formatValue(0, 'flag')).toBe('no');
    expect(describeMetric('mem.total')).toBeNull();
    expect(describeMetric('something.else')).toBeNull();
  });
});
