/**
 * npm run bench:telemetry [-- --seconds 60 --out bench/results/telemetry.json]
 *
 * The cost of watching this computer: the desktop app's telemetry loop (collector at
 * 1 Hz into an hour of history, exactly as electron/main runs it) for --seconds, then
 * CPU used as a percent of one core — this process plus the child processes
 * systeminformation spawns (Linux: /proc/self/stat cutime+cstime) — collect latency,
 * and the memory of a full hour of history. Target: < 1 % of one core. Numbers, not assertions.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { TelemetryCollector, TelemetryHistory } from '../../electron/telemetry/collector';
import { ROOT } from '../helpers/cli';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    out: { type: 'string', default: join(ROOT, 'bench/results/telemetry.json') },
  },
});
const SECONDS = Number(values.seconds);
if (!Number.isFinite(SECONDS) || SECONDS < 2) throw new Error('--seconds must be a number ≥ 2');

/** CPU time (ms) of children this process has waited for; Linux only, else null. */
function childCpuMs(): number | null {
  if (platform() !== 'linux') return null;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  const ticks = Number(fields[13]) + Number(fields[14]); // #16 cutime, #17 cstime
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function main(): Promise<void> {
  const collector = new TelemetryCollector();
  const history = new TelemetryHistory();
  await collector.collect(); // warm-up: module loading and first readings are not the steady state
  const latencies: number[] = [];
  let metricCount = 0;
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < SECONDS; i++) {
    const due = t0 + (i + 1) * 1_000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const s = performance.now();
    const sample = await collector.collect();
    history.push(sample);
    latencies.push(performance.now() - s);
    metricCount = Object.keys(sample.metrics).length;
    if ((i + 1) % 10 === 0) process.stderr.write(`  ${i + 1}/${SECONDS} s\n`);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const child1 = childCpuMs();
  const ownMs = (cpu.user + cpu.system) / 1000;
  const childMs = child0 === null || child1 === null ? null : child1 - child0;
  const percentOfCore = (100 * (ownMs + (childMs ?? 0))) / wallMs;

  // An hour of history is one Float64Array of timestamps plus one per metric, 3,600 slots each (by construction).
  const hourBytes = (1 + metricCount) * history.capacity * Float64Array.BYTES_PER_ELEMENT;

  const result = {
    bench: 'telemetry',
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, platform: platform(), node: process.version },
    seconds: SECONDS,
    samples: latencies.length,
    metricsPerSample: metricCount,
    cpuPercentOfOneCore: Number(percentOfCore.toFixed(3)),
    cpuMs: { own: Number(ownMs.toFixed(1)), children: childMs, wall: Math.round(wallMs) },
    collectMs: { p50: Number(quantile(latencies, 0.5).toFixed(2)), p99: Number(quantile(latencies, 0.99).toFixed(2)), max: Number(Math.max(...latencies).toFixed(2)) },
    hourOfHistoryBytes: hourBytes,
    target: { cpuPercentOfOneCore: '< 1' },
  };
  console.log(`telemetry: ${result.samples} samples × ${metricCount} metrics in ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`  CPU ${result.cpuPercentOfOneCore} % of one core (own ${result.cpuMs.own} ms, children ${childMs ?? 'n/a'} ms) — target < 1 %`);
  console.log(`  collect p50 ${result.collectMs.p50} ms, p99 ${result.collectMs.p99} ms, max ${result.collectMs.max} ms`);
  console.log(`  an hour of history: ${(hourBytes / 1024).toFixed(0)} KiB`);
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}

void main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
