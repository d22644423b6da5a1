/** `/metrics` in the Prometheus text format. One registry per hub, so several hubs can share a process (tests). */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * Node's own process metrics — resident memory, heap, GC time, event-loop delay, CPU, open
 * files — in the names every Node exporter uses (`process_resident_memory_bytes`,
 * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_p99_seconds`, …): the hub holds open and
 * recently resolved incidents and recent events in memory, so its memory is worth watching.
 * One set per process however many hubs it runs (their collectors observe the process, not a hub).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface HubMetricsSources {
  incidentsByStatus(): Record<string, number>;
  streamClients(): number;
  eventLog(): { events: number; bytes: number };
  /** What the replay buffer holds. */
  replay(): { events: number; bytes: number };
}

export class HubMetrics {
  readonly registry = new Registry();
  readonly ingest: Counter<'sender' | 'outcome'>;
  readonly requestDuration: Histogram<'route' | 'method' | 'code'>;
  readonly streamDisconnects: Counter<'reason'>;

  /** The exposition: this hub's metrics, then the process's. */
  async text(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  constructor(sources: HubMetricsSources) {
    const registers = [this.registry];
    this.ingest = new Counter({
      name: 'earshot_ingest_requests_total',
      help: 'Ingest requests by sender and outcome (accepted, invalid, unauthorized, rate_limited, too_large, error).',
      labelNames: ['sender', 'outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'earshot_http_request_duration_seconds',
      help: 'HTTP request latency, from the first byte read to the response written.',
      labelNames: ['route', 'method', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.streamDisconnects = new Counter({
      name: 'earshot_stream_disconnects_total',
      help: 'Stream clients disconnected, by reason.',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'earshot_incidents',
      help: 'Incidents by status.',
      labelNames: ['status'],
      registers,
      collect() {
        for (const [status, n] of Object.entries(sources.incidentsByStatus())) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'earshot_stream_clients',
      help: 'Connected, authenticated stream clients.',
      registers,
      collect() {
        this.set(sources.streamClients());
      },
    });
    new Gauge({
      name: 'earshot_event_log_events',
      help: 'Events in the log.',
      registers,
      collect() {
        this.set(sources.eventLog().events);
      },
    });
    new Gauge({
      name: 'earshot_event_log_bytes',
      help: 'Size of the event database in bytes.',
      registers,
      collect() {
        this.set(sources.eventLog().bytes);
      },
    });
    new Gauge({
      name: 'earshot_replay_events',
      help: 'Events held in memory for reconnecting clients (stream.replayEvents, stream.replayBytes).',
      registers,
      collect() {
        this.set(sources.replay().events);
      },
    });
    new Gauge({
      name: 'earshot_replay_bytes',
      help: 'Length of the stream messages held for reconnecting clients.',
      registers,
      collect() {
        this.set(sources.replay().bytes);
      },
    });
  }
}
