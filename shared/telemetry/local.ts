/** Local telemetry as the UI shows it and the hub receives it: names, units, and the mapping between them. */
import { z } from 'zod';
import type { TelemetrySample } from '../protocol/stream';

export const localSampleSchema = z.object({ ts: z.number(), metrics: z.record(z.string(), z.number()) });
export type LocalSample = z.infer<typeof localSampleSchema>;
export const localHistorySchema = z.object({ ts: z.array(z.number()), metrics: z.record(z.string(), z.array(z.number().nullable())) });
export type LocalHistory = z.infer<typeof localHistorySchema>;

export interface MetricInfo {
  label: string;
  unit: 'percent' | 'bytes' | 'bytes/s' | 'load' | 'flag';
  /** For the hub: metric name and labels. */
  hub: { metric: string; labels: Record<string, string> };
}

/** What a local metric name means ("net.eth0.rx" → "eth0 received", bytes/s, net_receive_bytes_per_second{iface=eth0}). */
export function describeMetric(name: string): MetricInfo | null {
  let m: RegExpExecArray | null;
  if (name === 'cpu.total') return { label: 'CPU', unit: 'percent', hub: { metric: 'cpu_percent', labels: {} } };
  if ((m = /^cpu\.core\.(\d+)$/.exec(name))) return { label: `CPU core ${m[1]}`, unit: 'percent', hub: { metric: 'cpu_core_percent', labels: { core: m[1] as string } } };
  if (name === 'load.1') return { label: 'Load (1 min)', unit: 'load', hub: { metric: 'load1', labels: {} } };
  if (name === 'mem.used') return { label: 'Memory used', unit: 'bytes', hub: { metric: 'memory_used_bytes', labels: {} } };
  if (name === 'mem.total') return null; // context for mem.used, not a chart of its own
  if (name === 'swap.used') return { label: 'Swap used', unit: 'bytes', hub: { metric: 'swap_used_bytes', labels: {} } };
  if ((m = /^net\.([\w.-]+)\.(rx|tx)$/.exec(name))) {
    const rx = m[2] === 'rx';
    return { label: `${m[1]} ${rx ? 'received' : 'sent'}`, unit: 'bytes/s', hub: { metric: rx ? 'net_receive_bytes_per_second' : 'net_transmit_bytes_per_second', labels: { iface: m[1] as string } } };
  }
  if (name === 'disk.used') return { label: 'Disk used', unit: 'percent', hub: { metric: 'disk_used_percent', labels: { volume: 'system' } } };
  if (name === 'battery.percent') return { label: 'Battery', unit: 'percent', hub: { metric: 'battery_percent', labels: {} } };
  if (name === 'battery.charging') return { label: 'Charging', unit: 'flag', hub: { metric: 'battery_charging', labels: {} } };
  if ((m = /^airpods\.(left|right|case)$/.exec(name))) return { label: `AirPods ${m[1]}`, unit: 'percent', hub: { metric: 'airpods_battery_percent', labels: { part: m[1] as string } } };
  return null;
}

export function formatValue(value: number, unit: MetricInfo['unit']): string {
  switch (unit) {
    case 'percent':
      return `${value.toFixed(value < 10 ? 1 : 0)} %`;
    case 'load':
      return value.toFixed(2);
    case 'flag':
      return value ? 'yes' : 'no';
    case 'bytes':
    case 'bytes/s': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let v = value;
      let i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return `${v.toFixed(v < 10 && i > 0 ? 1 : 0)} ${units[i]}${unit === 'bytes/s' ? '/s' : ''}`;
    }
  }
}

/** A hub-safe device id from a host name (the hub accepts `[\w.@-]{1,100}`). */
export function deviceIdFor(host: string): string {
  return host.replace(/[^\w.@-]/g, '-').slice(0, 100) || 'desktop';
}

/** One local sample as the hub's `device_telemetry` samples; metrics the hub has no name for stay local. */
export function toHubSamples(sample: LocalSample): TelemetrySample[] {
  return Object.entries(sample.metrics).flatMap(([name, value]) => {
    const info = describeMetric(name);
    return info ? [{ metric: info.hub.metric, labels: info.hub.labels, ts: sample.ts, value }] : [];
  });
}
