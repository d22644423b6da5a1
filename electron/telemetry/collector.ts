/**
 * Local device telemetry at 1 Hz: CPU (total and per core), load average, memory
 * and swap, network bytes/s per active interface, system-volume usage, battery.
 * Cheap by design (measured: npm run bench:telemetry): CPU and memory come from
 * `os`; on Linux network and swap are read straight from /proc (no child processes);
 * elsewhere from systeminformation; disk every 10 s, battery every 30 s.
 * A metric the machine does not have (no battery, no load average on Windows) is
 * absent, never 0.
 */
import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, platform, totalmem } from 'node:os';
import si from 'systeminformation';

/** Metric name → value. Names: cpu.total, cpu.core.N (percent), load.1, mem.used / mem.total / swap.used (bytes),
 * net.<iface>.rx / .tx (bytes/s), disk.used (percent), battery.percent, battery.charging (0/1). */
export type Metrics = Record<string, number>;

export interface TelemetrySampleLocal {
  ts: number;
  metrics: Metrics;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes[] {
  return cpus().map((c) => {
    const t = c.times;
    return { idle: t.idle, total: t.user + t.nice + t.sys + t.idle + t.irq };
  });
}

export class TelemetryCollector {
  private lastCpu = cpuTimes();
  private slow: Metrics = {};
  private lastSlowAt = -Infinity;
  private lastBatteryAt = -Infinity;
  private readonly systemVolume = platform() === 'win32' ? (process.env['SystemDrive'] ?? 'C:') + '\\' : '/';

  /** One sample. Network rates need two calls: the first has none. */
  async collect(now = Date.now()): Promise<TelemetrySampleLocal> {
    const metrics: Metrics = {};
    const cpu = cpuTimes();
    let idle = 0;
    let total = 0;
    cpu.forEach((c, i) => {
      const prev = this.lastCpu[i];
      if (!prev) return;
      const dTotal = c.total - prev.total;
      const dIdle = c.idle - prev.idle;
      if (dTotal > 0) metrics[`cpu.core.${i}`] = Math.max(0, Math.min(100, (100 * (dTotal - dIdle)) / dTotal));
      idle += dIdle;
      total += dTotal;
    });
    if (total > 0) metrics['cpu.total'] = Math.max(0, Math.min(100, (100 * (total - idle)) / total));
    this.lastCpu = cpu;
    if (platform() !== 'win32') metrics['load.1'] = loadavg()[0] as number; // Windows reports no load average
    metrics['mem.total'] = totalmem();
    metrics['mem.used'] = totalmem() - freemem();

    if (platform() === 'linux') await this.linuxNetAndSwap(now, metrics);
    else {
      const [net, mem] = await Promise.all([si.networkStats('*').catch(() => []), si.mem().catch(() => undefined)]);
      for (const n of net) {
        if (n.iface === 'lo' || n.operstate === 'down' || n.rx_sec === null || n.rx_sec < 0) continue;
        metrics[`net.${n.iface}.rx`] = n.rx_sec;
        metrics[`net.${n.iface}.tx`] = n.tx_sec ?? 0;
      }
      if (mem && mem.swaptotal > 0) metrics['swap.used'] = mem.swapused;
    }

    if (now - this.lastSlowAt >= 10_000) {
      this.lastSlowAt = now;
      try {
        const fs = await statfs(this.systemVolume);
        this.slow['disk.used'] = (100 * (fs.blocks - fs.bfree)) / fs.blocks;
      } catch {
        delete this.slow['disk.used'];
      }
    }
    if (now - this.lastBatteryAt >= 30_000) {
      this.lastBatteryAt = now;
      const b = await si.battery().catch(() => undefined);
      delete this.slow['battery.percent'];
      delete this.slow['battery.charging'];
      if (b?.hasBattery) {
        this.slow['battery.percent'] = b.percent;
        this.slow['battery.charging'] = b.isCharging ? 1 : 0;
      }
    }
    return { ts: now, metrics: { ...metrics, ...this.slow } };
  }

  private lastNet: { at: number; bytes: Map<string, { rx: number; tx: number }> } | undefined;
  /** Interfaces that are down, re-read with the other slow metrics (every 10 s), not every second. */
  private downIfaces: { at: number; names: Set<string> } = { at: -Infinity, names: new Set() };

  /** /proc/net/dev counters → bytes/s since the previous call; /proc/meminfo → swap. Interfaces that are down are left out. */
  private async linuxNetAndSwap(now: number, metrics: Metrics): Promise<void> {
    const [dev, meminfo] = await Promise.all([readFile('/proc/net/dev', 'utf8').catch(() => ''), readFile('/proc/meminfo', 'utf8').catch(() => '')]);
    const bytes = new Map<string, { rx: number; tx: number }>();
    for (const line of dev.split('\n').slice(2)) {
      const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
      if (!m || m[1] === 'lo') continue;
      const f = (m[2] as string).trim().split(/\s+/).map(Number);
      if (f.length >= 9 && Number.isFinite(f[0]) && Number.isFinite(f[8])) bytes.set(m[1] as string, { rx: f[0] as number, tx: f[8] as number });
    }
    const prev = this.lastNet;
    this.lastNet = { at: now, bytes };
    if (now - this.downIfaces.at >= 10_000) {
      const states = await Promise.all([...bytes.keys()].map(async (iface) => [iface, (await readFile(`/sys/class/net/${iface}/operstate`, 'utf8').catch(() => 'unknown')).trim()] as const));
      this.downIfaces = { at: now, names: new Set(states.filter(([, s]) => s === 'down').map(([iface]) => iface)) };
    }
    if (prev && now > prev.at) {
      const seconds = (now - prev.at) / 1000;
      for (const [iface, b] of bytes) {
        const p = prev.bytes.get(iface);
        if (!p || b.rx < p.rx || b.tx < p.tx) continue; // new interface or counter reset: no rate this time
        if (this.downIfaces.names.has(iface)) continue;
        metrics[`net.${iface}.rx`] = (b.rx - p.rx) / seconds;
        metrics[`net.${iface}.tx`] = (b.tx - p.tx) / seconds;
      }
    }
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? NaN);
    const swapTotal = kb('SwapTotal');
    if (swapTotal > 0) metrics['swap.used'] = (swapTotal - kb('SwapFree')) * 1024;
  }
}

/** The last `capacity` samples of every metric (one hour at 1 Hz by default). */
export class TelemetryHistory {
  private readonly ts: Float64Array;
  private readonly series = new Map<string, Float64Array>();
  private start = 0;
  private count = 0;

  constructor(readonly capacity = 3_600) {
    this.ts = new Float64Array(capacity);
  }

  push(sample: TelemetrySampleLocal): void {
    let slot: number;
    if (this.count < this.capacity) {
      slot = (this.start + this.count) % this.capacity;
      this.count++;
    } else {
      slot = this.start; // full: overwrite the oldest
      this.start = (this.start + 1) % this.capacity;
    }
    this.ts[slot] = sample.ts;
    for (const [name, value] of Object.entries(sample.metrics)) {
      let s = this.series.get(name);
      if (!s) {
        s = new Float64Array(this.capacity).fill(Number.NaN);
        this.series.set(name, s);
      }
      s[slot] = value;
    }
    // A metric absent from this sample is a gap, not a repeat of its last value.
    for (const [name, s] of this.series) if (!(name in sample.metrics)) s[slot] = Number.NaN;
  }

  /** Oldest first: timestamps and each metric's values (NaN where it was missing). */
  snapshot(): { ts: number[]; metrics: Record<string, (number | null)[]> } {
    const order = Array.from({ length: this.count }, (_, i) => (this.start + i) % this.capacity);
    const metrics: Record<string, (number | null)[]> = {};
    for (const [name, s] of this.series) metrics[name] = order.map((i) => (Number.isNaN(s[i]) ? null : (s[i] as number)));
    return { ts: order.map((i) => this.ts[i] as number), metrics };
  }
}
