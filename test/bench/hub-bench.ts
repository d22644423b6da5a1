/**
 * npm run bench:hub [-- --alerts 100000 --batch 50 --concurrency 8 --rounds 3 --warmup 3000 --rate 1000 --seconds 10 --tick 1
 *                      --decode-threads auto --out bench/results/hub.json --profile DIR --hub-node-flags=...]
 *
 * (a) Alertmanager's own ingest rate: POST /api/v2/alerts, batches of 50, 8 concurrent.
 *     Both servers first take `--warmup` batches of other alerts, untimed (steady state).
 * (b) The hub's durable ingest rate for the same alerts, sent as Alertmanager webhooks
 *     (every 2xx is committed with fsync); afterwards every alert is counted in the log.
 *     (a) and (b) alternate for `--rounds` rounds; the ratio is the median of the rounds'.
 * (c) Latency from sending a webhook to a stream client receiving its event, at a paced
 *     1,000 alerts/s (one alert per webhook, sent on a 1 ms tick: evenly spread, not in
 *     bursts; `--tick 10` sends bursts of 10), p50/p99.
 * Both servers are real processes on loopback; numbers, not assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'libsql';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DB_FILE, verifyChain } from '../../electron/hub/store/event-store';
import { alertmanagerVersion, startAlertmanager } from '../helpers/alertmanager';
import { ROOT } from '../helpers/cli';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    /** Interleaved (a)/(b) rounds; the ratio reported is the median of the rounds' ratios. */
    rounds: { type: 'string', default: '3' },
    /**
     * Batches each server takes, untimed, before the timed run (alerts other than the
     * timed ones; the same number for both). A fresh Node process needs a few thousand
     * requests before V8 has optimised its hot paths; an ingest rate is a steady-state
     * measure. `--warmup 0` measures a cold process.
     */
    warmup: { type: 'string', default: '3000' },
    /** Pacing tick for (c): the alerts due are sent together each tick (1 ms: spread out; 10 ms: bursts of 10). */
    tick: { type: 'string', default: '1' },
    out: { type: 'string', default: join(ROOT, 'bench/results/hub.json') },
    /** Write a V8 CPU profile of the hub process into this directory. */
    profile: { type: 'string' },
    /** The hub's decodeThreads setting ('auto', or a count; 0 decodes on the main thread). */
    'decode-threads': { type: 'string', default: 'auto' },
    /** Extra Node flags for the hub process (e.g. "--trace-gc"), space separated. */
    'hub-node-flags': { type: 'string', default: '' },
  },
});
const ALERTS = Number(values.alerts);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ROUNDS = Math.max(1, Number(values.rounds));
const WARMUP = Math.max(0, Number(values.warmup));
const TOKEN = 'bench-token-0123456789abcdef';

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `jobs` with `concurrency` in flight; returns elapsed seconds. Any non-2xx aborts the run. */
async function drive(jobs: (() => Promise<number>)[], concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const status = await (jobs[next++] as () => Promise<number>)();
        if (status < 200 || status >= 300) throw new Error(`request failed with ${status}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function alertsFor(run: string, batchIndex: number) {
  const startsAt = new Date().toISOString();
  return Array.from({ length: BATCH }, (_, j) => ({
    labels: { alertname: `Bench${batchIndex % 100}`, run, instance: `host-${batchIndex}-${j}`, severity: j % 10 === 0 ? 'critical' : 'warning' },
    annotations: { summary: `Disk almost full on host-${batchIndex}-${j}`, description: 'Filesystem /var is 97% full and growing at 1 GB/h.' },
    startsAt,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=node_filesystem_avail_bytes',
  }));
}

/** The webhook Alertmanager would send for one group: version 4, firing, zero endsAt. */
function webhookFor(run: string, batchIndex: number, alerts = alertsFor(run, batchIndex)): string {
  return JSON.stringify({
    receiver: 'earshot',
    status: 'firing',
    alerts: alerts.map((a, j) => ({ ...a, status: 'firing', endsAt: '0001-01-01T00:00:00Z', fingerprint: `${run}-${batchIndex}-${j}` })),
    groupLabels: { run, batch: String(batchIndex) },
    commonLabels: { run },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{run="${run}",batch="${batchIndex}"}`,
    truncatedAlerts: 0,
  });
}

async function startHubProcess(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const config = join(dataDir, 'bench-hub.json');
  writeFileSync(config, JSON.stringify({ hosts: ['127.0.0.1'], port: 0, dataDir: join(dataDir, 'hub'), tokens: [{ name: 'bench', token: TOKEN }], limits: { ratePerSecond: 1e6, burst: 1e6, maxBodyBytes: 4_194_304 }, logLevel: 'warn', decodeThreads: values['decode-threads'] === 'auto' ? 'auto' : Number(values['decode-threads']) }));
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const extra = values['hub-node-flags'].split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...profile, ...extra, '--import', 'tsx', join(ROOT, 'electron/cli/earshot.ts'), 'hub', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (extra.length > 0) process.stderr.write(d); // what the extra flags print (e.g. --trace-gc)
      out += d.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`hub exited (${code})`)));
  });
  return { url, child };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the command name (which may contain spaces): utime is field 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Runs `work` and reports how much CPU the server process and this client used meanwhile. */
async function withCpu(pid: number | undefined, work: () => Promise<number>): Promise<{ seconds: number; serverCpu: number; clientCpu: number }> {
  const server0 = processCpuSeconds(pid);
  const client0 = process.cpuUsage();
  const seconds = await work();
  const client = process.cpuUsage(client0);
  return { seconds, serverCpu: processCpuSeconds(pid) - server0, clientCpu: (client.user + client.system) / 1e6 };
}

function cpuNote(r: { seconds: number; serverCpu: number; clientCpu: number }): string {
  return `server ${(r.serverCpu / r.seconds).toFixed(2)} cores, client ${(r.clientCpu / r.seconds).toFixed(2)} cores`;
}

/** The stream client for (c), as a worker: records when each alerts.upserted event arrives. */
const RECEIVER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const received = [];
const ws = new WebSocket(workerData.url, { headers: workerData.headers });
ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
ws.on('message', (data) => {
  const text = data.toString();
  if (text.startsWith('{"type":"snapshot"')) return parentPort.postMessage('ready');
  if (!text.startsWith('{"type":"event"')) return;
  const receivedMs = Date.now();
  const at = process.hrtime.bigint();
  const m = JSON.parse(text);
  if (m.event.type !== 'alerts.upserted') return;
  received.push([receivedMs - Date.parse(m.event.ts), String(at), (m.event.data.alerts || []).map((a) => a.fingerprint)]);
});
parentPort.on('message', () => {
  ws.close();
  parentPort.postMessage({ received });
});
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const amVersion = alertmanagerVersion();
  if (!amVersion) throw new Error('prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)');
  const work = mkdtempSync(join(tmpdir(), 'earshot-bench-'));
  const batches = Math.ceil(ALERTS / BATCH);
  console.log(`earshot hub benchmark: ${batches * BATCH} alerts in batches of ${BATCH}, ${CONCURRENCY} concurrent, after ${WARMUP} untimed batches to each server; latency at ${RATE} alerts/s for ${SECONDS} s`);
  console.log(`node ${process.version}, alertmanager ${amVersion}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})\n`);

  // (a) and (b), interleaved over several rounds (the VM's speed drifts; a ratio
  // from neighbouring runs is fairer than one from runs a minute apart). Each round
  // starts fresh processes and a fresh data dir.
  const auth = { authorization: `Bearer ${TOKEN}` };
  const amBodies = Array.from({ length: batches }, (_, i) => JSON.stringify(alertsFor('am', i)));
  const hubBodies = Array.from({ length: batches }, (_, i) => webhookFor('hub', i));
  const rounds: { amRate: number; hubRate: number; am: Awaited<ReturnType<typeof withCpu>>; hub: Awaited<ReturnType<typeof withCpu>>; stored: number; chainOk: boolean }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // (a) Alertmanager's own ingest. A receiver with no integrations: it only ingests.
    const am = await startAlertmanager('route:\n  receiver: sink\n  group_by: [run]\nreceivers:\n  - name: sink\n');
    await drive(Array.from({ length: WARMUP }, (_, i) => () => post(`${am.url}/api/v2/alerts`, JSON.stringify(alertsFor('warm', i)))), CONCURRENCY);
    const amRun = await withCpu(am.child.pid, () => drive(amBodies.map((b) => () => post(`${am.url}/api/v2/alerts`, b)), CONCURRENCY));
    await am.stop();
    const amRate = (batches * BATCH) / amRun.seconds;
    console.log(`(a) round ${round}: alertmanager  ${fmt(amRate)} alerts/s  (${amRun.seconds.toFixed(2)} s; ${cpuNote(amRun)})`);

    // (b) The hub's durable ingest of the same alerts, as webhooks.
    rmSync(join(work, 'hub'), { recursive: true, force: true });
    const hub = await startHubProcess(work);
    await drive(Array.from({ length: WARMUP }, (_, i) => () => post(`${hub.url}/api/v1/ingest/alertmanager`, webhookFor('warm', i), auth)), CONCURRENCY);
    const hubRun = await withCpu(hub.child.pid, () => drive(hubBodies.map((b) => () => post(`${hub.url}/api/v1/ingest/alertmanager`, b, auth)), CONCURRENCY));
    const hubRate = (batches * BATCH) / hubRun.seconds;
    hub.child.kill('SIGTERM');
    await new Promise((r) => hub.child.once('exit', r));
    const db = new Database(join(work, 'hub', DB_FILE), { readonly: true });
    const stored = (db.prepare("SELECT coalesce(sum(json_array_length(data, '$.alerts')), 0) AS n FROM events WHERE type = 'alerts.upserted' AND incident_id IN (SELECT incident_id FROM events WHERE type = 'incident.triggered' AND data LIKE '%\"run\":\"hub\"%')").get() as { n: number }).n;
    db.close();
    const chainOk = verifyChain(join(work, 'hub')).ok;
    console.log(`(b) round ${round}: earshot hub   ${fmt(hubRate)} alerts/s  (${hubRun.seconds.toFixed(2)} s; ${cpuNote(hubRun)}), durable: fsync before every 2xx; ratio ${(hubRate / amRate).toFixed(2)}; stored ${stored}/${batches * BATCH}, chain ${chainOk ? 'verified' : 'BROKEN'}`);
    rounds.push({ amRate, hubRate, am: amRun, hub: hubRun, stored, chainOk });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const amRate = median(rounds.map((r) => r.amRate));
  const hubRate = median(rounds.map((r) => r.hubRate));
  const ratios = rounds.map((r) => r.hubRate / r.amRate);
  const stored = Math.min(...rounds.map((r) => r.stored));
  const chain = { ok: rounds.every((r) => r.chainOk) };

  // (c) Latency at a paced rate, on a fresh hub: webhook accepted (the event's
  // time, set when the hub takes the request) -> stream client has the event;
  // and, from the client's side, webhook sent -> stream client has the event.
  rmSync(join(work, 'hub'), { recursive: true, force: true });
  const fresh = await startHubProcess(work);
  const sentAt = new Map<string, bigint>();
  const latencies: number[] = [];
  const acceptedLatencies: number[] = [];
  // The stream client runs on a thread of its own: the load generator's event loop
  // (1,000 requests/s) must not delay when the client sees an event.
  const receiver = new Worker(RECEIVER_SOURCE, {
    eval: true,
    workerData: { url: `${fresh.url.replace('http', 'ws')}/api/v1/stream`, headers: auth, wsPath: createRequire(import.meta.url).resolve('ws') },
  });
  await new Promise<void>((resolve, reject) => {
    receiver.once('message', () => resolve());
    receiver.once('error', reject);
  });
  const total = RATE * SECONDS;
  const tickMs = Number(values.tick);
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  let sent = 0;
  let errors = 0;
  const pending: Promise<void>[] = [];
  const paceStart = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up to the schedule rather than drift when a tick runs late.
      const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - paceStart) / 1e9) * RATE) + perTick);
      while (sent < due) {
        const i = sent++;
        const one = alertsFor('lat', i).slice(0, 1);
        const body = webhookFor('lat', i, one);
        sentAt.set(`lat-${i}-0`, process.hrtime.bigint());
        pending.push(post(`${fresh.url}/api/v1/ingest/alertmanager`, body, auth).then((s) => void (s === 200 || errors++), () => void errors++));
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await Promise.all(pending);
  const paceSeconds = Number(process.hrtime.bigint() - paceStart) / 1e9;
  await new Promise((r) => setTimeout(r, 200));
  const received = await new Promise<[number, string, string[]][]>((resolve) => {
    receiver.once('message', (m: { received: [number, string, string[]][] }) => resolve(m.received));
    receiver.postMessage('stop');
  });
  await receiver.terminate();
  for (const [acceptedMs, at, fingerprints] of received) {
    acceptedLatencies.push(acceptedMs);
    for (const fp of fingerprints) {
      const t0 = sentAt.get(fp);
      if (t0 !== undefined) latencies.push(Number(BigInt(at) - t0) / 1e6);
    }
  }
  const summarize = (values: number[]) => {
    values.sort((a, b) => a - b);
    return { samples: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: values[values.length - 1] ?? NaN };
  };
  const lat = summarize(latencies);
  const acc = summarize(acceptedLatencies);
  const achieved = total / paceSeconds;
  console.log(`(c) at ${fmt(achieved)} alerts/s: accepted -> stream p50 ${acc.p50} ms, p99 ${acc.p99} ms, max ${acc.max} ms (1 ms resolution)`);
  console.log(`    sent -> stream (client side, includes HTTP) p50 ${lat.p50.toFixed(2)} ms, p90 ${lat.p90.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, max ${lat.max.toFixed(2)} ms (${lat.samples} samples, ${errors} errors)`);
  fresh.child.kill('SIGTERM');
  await new Promise((r) => fresh.child.once('exit', r));
  rmSync(work, { recursive: true, force: true });

  const ratio = median(ratios);
  const result = {
    date: new Date().toISOString(),
    environment: { node: process.version, alertmanager: amVersion, cores: cpus().length, cpu: cpus()[0]?.model },
    parameters: { rounds: ROUNDS, warmupBatches: WARMUP, decodeThreads: values['decode-threads'], alerts: batches * BATCH, batch: BATCH, concurrency: CONCURRENCY, latencyRate: RATE, latencySeconds: SECONDS, latencyTickMs: tickMs },
    rounds: rounds.map((r) => ({
      alertmanager: { alertsPerSecond: r.amRate, seconds: r.am.seconds, serverCpuSeconds: r.am.serverCpu, clientCpuSeconds: r.am.clientCpu },
      hub: { alertsPerSecond: r.hubRate, seconds: r.hub.seconds, serverCpuSeconds: r.hub.serverCpu, clientCpuSeconds: r.hub.clientCpu, alertsStored: r.stored, chainVerified: r.chainOk },
      ratio: r.hubRate / r.amRate,
    })),
    alertmanager: { alertsPerSecond: amRate, note: 'median over rounds' },
    hub: { alertsPerSecond: hubRate, note: 'median over rounds', alertsSent: batches * BATCH, alertsStored: stored, chainVerified: chain.ok, durability: 'synchronous=FULL, group commit, 2xx after commit' },
    ratio,
    latencyMs: { acceptedToStream: acc, sentToStream: lat, achievedRate: achieved, errors },
    targets: { ratio: '>= 1.0', p99Ms: '<= 10' },
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);

  console.log('\n| measure | value | target |');
  console.log('|---|---|---|');
  console.log(`| Alertmanager ingest (median of ${ROUNDS}) | ${fmt(amRate)} alerts/s | |`);
  console.log(`| hub durable ingest (median of ${ROUNDS}) | ${fmt(hubRate)} alerts/s | |`);
  console.log(`| ratio hub / Alertmanager (median; rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}) | ${ratio.toFixed(2)} | ≥ 1.0 ${ratio >= 1 ? 'met' : 'NOT met'} |`);
  console.log(`| alerts stored / sent | ${stored} / ${batches * BATCH}, chain ${chain.ok ? 'verified' : 'BROKEN'} | all |`);
  console.log(`| accepted → stream p50 | ${acc.p50} ms | |`);
  console.log(`| accepted → stream p99 | ${acc.p99} ms | ≤ 10 ms ${acc.p99 <= 10 ? 'met' : 'NOT met'} |`);
  console.log(`| sent → stream p99 (client side) | ${lat.p99.toFixed(2)} ms | |`);
  console.log(`\nwrote ${values.out}`);
  if (stored !== batches * BATCH || !chain.ok) process.exitCode = 1;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
