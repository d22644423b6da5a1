/**
 * Device telemetry in the hub: samples from any device (HTTP batch or stream
 * publication), the recent ones kept per series for charts, and a streaming
 * anomaly detector per series that raises an `earshot-anomaly` alert through the
 * normal incident engine — one episode, one incident — and resolves it once the
 * series has been normal for a while.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonical-json';
import { StreamingDetector, type AnomalyReason } from '../../shared/anomaly/detector';
import type { TelemetrySample } from '../../shared/protocol/stream';
import type { HubCore } from './hub-core';
import type { Logger } from './log';

/** The incident's `why` annotation: the value is not always outside the expected range. */
const WHY: Record<AnomalyReason, string> = {
  surprise: 'values far from what this series usually does, for a while',
  range: 'a value beyond everything this series has shown',
  shape: 'usual values in an order or rhythm this series has never shown',
  shift: 'values on one side of what this series usually does, for a long while',
};

export interface TelemetryConfig {
  maxSeriesPerDevice: number;
  /** Samples kept per series for charts. */
  keepSamples: number;
  /** Detector score that opens an anomaly incident. */
  threshold: number;
  /** Consecutive normal samples (score < 0.5) before the incident resolves. */
  resolveAfter: number;
  /** Points a new series is learnt for before it can open an incident. */
  learnPoints: number;
  detect: boolean;
}

export const DEFAULT_TELEMETRY_CONFIG: TelemetryConfig = { maxSeriesPerDevice: 200, keepSamples: 3_600, threshold: 0.97, resolveAfter: 60, learnPoints: 750, detect: true };

interface Series {
  device: string;
  metric: string;
  labels: Record<string, string>;
  key: string;
  /** Ring buffer of [ts, value, score]. */
  samples: Float64Array;
  start: number;
  count: number;
  detector: StreamingDetector;
  /** The incident key while an anomaly episode is open. */
  episode: string | undefined;
  /** What was seen when the episode opened (kept on the incident when it resolves). */
  detected: Record<string, string> | undefined;
  normalRun: number;
  /** Points seen (the detector is learning for the first `learnPoints`). */
  points: number;
}

export class TelemetryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TelemetryError';
  }
}

export class TelemetryService {
  private readonly series = new Map<string, Series>();
  private readonly perDevice = new Map<string, number>();
  private readonly o: TelemetryConfig;

  constructor(
    private readonly core: HubCore,
    private readonly log: Logger,
    config: Partial<TelemetryConfig> = {},
  ) {
    this.o = { ...DEFAULT_TELEMETRY_CONFIG, ...config };
  }

  /**
   * Takes a batch from one device. Samples for series beyond the device's cap are
   * refused (named in the error list); the rest are kept. Resolves once any
   * incident they raised is committed.
   */
  async ingest(credential: string, device: string, samples: readonly TelemetrySample[], nowMs = Date.now()): Promise<{ accepted: number; rejected: string[] }> {
    const rejected: string[] = [];
    let accepted = 0;
    const pending: Promise<unknown>[] = [];
    for (const [i, s] of samples.entries()) {
      const ts = typeof s.ts === 'number' ? s.ts : typeof s.ts === 'string' ? Date.parse(s.ts) : nowMs;
      if (!Number.isFinite(ts)) {
        rejected.push(`samples[${i}].ts: not a time`);
        continue;
      }
      const series = this.seriesFor(credential, device, s);
      if (!series) {
        rejected.push(`samples[${i}]: device "${device}" already has ${this.o.maxSeriesPerDevice} series; "${s.metric}" with these labels would be one more`);
        continue;
      }
      const score = this.o.detect ? series.detector.update(s.value, ts) : 0;
      this.push(series, ts, s.value, score);
      accepted++;
      const action = this.o.detect ? this.episodeChange(series, ts, s.value, score) : undefined;
      if (action) pending.push(action);
    }
    await Promise.all(pending);
    return { accepted, rejected };
  }

  /** Recent samples of matching series: [ts, value, score] each. */
  query(filter: { device?: string | undefined; metric?: string | undefined; since?: number | undefined }): { device: string; metric: string; labels: Record<string, string>; samples: [number, number, number][] }[] {
    const out = [];
    for (const s of this.series.values()) {
      if (filter.device !== undefined && s.device !== filter.device) continue;
      if (filter.metric !== undefined && s.metric !== filter.metric) continue;
      const samples: [number, number, number][] = [];
      for (let i = 0; i < s.count; i++) {
        const at = ((s.start + i) % this.o.keepSamples) * 3;
        const ts = s.samples[at] as number;
        if (filter.since !== undefined && ts < filter.since) continue;
        samples.push([ts, s.samples[at + 1] as number, s.samples[at + 2] as number]);
      }
      out.push({ device: s.device, metric: s.metric, labels: s.labels, samples });
    }
    return out;
  }

  private seriesFor(credential: string, device: string, s: TelemetrySample): Series | undefined {
    const key = `${credential}\u0000${device}\u0000${s.metric}\u0000${canonicalJson(s.labels)}`;
    const existing = this.series.get(key);
    if (existing) return existing;
    const deviceKey = `${credential}\u0000${device}`;
    const n = this.perDevice.get(deviceKey) ?? 0;
    if (n >= this.o.maxSeriesPerDevice) return undefined;
    this.perDevice.set(deviceKey, n + 1);
    const series: Series = {
      device,
      metric: s.metric,
      labels: s.labels,
      key: createHash('sha256').update(key).digest('hex').slice(0, 16),
      samples: new Float64Array(this.o.keepSamples * 3),
      start: 0,
      count: 0,
      detector: new StreamingDetector(),
      episode: undefined,
      detected: undefined,
      normalRun: 0,
      points: 0,
    };
    this.series.set(key, series);
    return series;
  }

  private push(s: Series, ts: number, value: number, score: number): void {
    const cap = this.o.keepSamples;
    let slot: number;
    if (s.count < cap) {
      slot = (s.start + s.count) % cap;
      s.count++;
    } else {
      slot = s.start; // full: overwrite the oldest
      s.start = (s.start + 1) % cap;
    }
    s.samples.set([ts, value, score], slot * 3);
  }

  /** Opens an incident when a calm series turns anomalous; resolves it after a normal stretch. */
  private episodeChange(s: Series, ts: number, value: number, score: number): Promise<unknown> | undefined {
    s.points++;
    if (!s.episode) {
      // A young series is still being learnt: its scores are shown, but open nothing.
      if (score < this.o.threshold || s.points <= this.o.learnPoints) return undefined;
      s.episode = `anomaly:${s.device}:${s.metric}:${s.key}`;
      s.normalRun = 0;
      return this.report(s, ts, value, score, 'firing');
    }
    s.normalRun = score < 0.5 ? s.normalRun + 1 : 0;
    if (s.normalRun < this.o.resolveAfter) return undefined;
    const done = this.report(s, ts, value, score, 'resolved');
    s.episode = undefined;
    return done;
  }

  private report(s: Series, ts: number, value: number, score: number, status: 'firing' | 'resolved'): Promise<unknown> {
    const { low, high } = s.detector.expected();
    const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
    if (status === 'firing') s.detected = { observed: fmt(value), expected: `${fmt(low)} to ${fmt(high)}`, score: score.toFixed(3), why: WHY[s.detector.reason] };
    const labels = { alertname: 'TelemetryAnomaly', device: s.device, metric: s.metric, severity: 'warning', ...s.labels };
    const at = new Date(ts).toISOString();
    return this.core
      .submit({
        kind: 'ingest',
        actor: `earshot-anomaly/${s.device}`,
        batch: {
          source: 'earshot-anomaly',
          key: s.episode as string,
          meta: { title: `Unusual ${s.metric} on ${s.device}`, groupLabels: { device: s.device, metric: s.metric }, commonLabels: labels, truncatedAlerts: 0, links: [] },
          alerts: [
            {
              fingerprint: s.key,
              status,
              severity: 'warning',
              summary: `Unusual ${s.metric} on ${s.device}: ${s.detected?.observed ?? fmt(value)}`,
              labels,
              annotations: s.detected ?? {},
              startsAt: at,
              ...(status === 'resolved' ? { endsAt: at } : {}),
              links: [],
            },
          ],
        },
      })
      .catch((err: unknown) => this.log.error('could not record a telemetry anomaly', { device: s.device, metric: s.metric, err }));
  }
}
