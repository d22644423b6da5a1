/**
 * The latest publication from each device (AirPods status today), in memory:
 * it is current state, not history, so it is not put in the event log. Bounded:
 * the oldest entry goes when a new device would exceed `max`.
 */
import type { Publication } from '../../shared/protocol/stream';

type StatePublication = Extract<Publication, { kind: 'audio_metrics' }>;

export interface DeviceEntry {
  credential: string;
  device: string;
  kind: StatePublication['kind'];
  data: StatePublication['data'];
  at: string;
}

export class DeviceRegistry {
  private readonly entries = new Map<string, DeviceEntry>();

  constructor(private readonly max = 1_000) {}

  put(credential: string, device: string, publication: StatePublication, nowMs = Date.now()): DeviceEntry {
    const key = `${credential}/${device}/${publication.kind}`;
    this.entries.delete(key); // re-insert: Map order is then oldest-first
    const entry: DeviceEntry = { credential, device, kind: publication.kind, data: publication.data, at: new Date(nowMs).toISOString() };
    this.entries.set(key, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  list(): DeviceEntry[] {
    return [...this.entries.values()].reverse();
  }
}
