/**
 * Scans for AirPods adverts with noble and feeds the tracker. noble is loaded
 * lazily: without a Bluetooth adapter (or permission) requiring it throws
 * (EAFNOSUPPORT on Linux, synchronously), and Earshot must carry on and say why.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { decodeProximityPairing } from '../../shared/airpods/proximity-pairing';
import { type AirPodsTracker, type Candidate, type TrackerStatus } from '../../shared/airpods/tracker';
import { batterySummary, type AirPodsView } from '../../shared/airpods/view';

export type BluetoothState = 'starting' | 'scanning' | 'poweredOff' | 'unauthorized' | 'unsupported' | 'resetting' | 'unknown';

export interface ScannerStatus {
  bluetooth: BluetoothState;
  /** Why there is no data, in words (for the panel). */
  reason?: string;
  airpods: TrackerStatus;
  nearby: Candidate[];
}

interface PeripheralLike {
  uuid: string;
  address?: string;
  rssi: number;
  advertisement?: { manufacturerData?: Buffer | Uint8Array };
}

/** The part of noble Earshot uses (and the private caches it prunes; noble has no API to drop a peripheral). */
export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  _peripherals?: Record<string, unknown>;
  _services?: Record<string, unknown>;
  _characteristics?: Record<string, unknown>;
  _descriptors?: Record<string, unknown>;
  _discoveredPeripheralUUids?: Record<string, unknown>;
}

export type NobleLoad = { noble: NobleLike } | { unavailable: BluetoothState; reason: string };

export function loadNoble(load: () => unknown = () => createRequire(import.meta.url)('@abandonware/noble')): NobleLoad {
  try {
    return { noble: load() as NobleLike };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EAFNOSUPPORT') return { unavailable: 'unsupported', reason: 'this computer has no Bluetooth adapter Earshot can use (EAFNOSUPPORT)' };
    if (e.code === 'EPERM' || e.code === 'EACCES') return { unavailable: 'unauthorized', reason: `Earshot is not allowed to use Bluetooth (${e.code})` };
    return { unavailable: 'unsupported', reason: `Bluetooth is not available: ${e.message.split('\n')[0] ?? 'unknown error'}` };
  }
}

const STATE_REASONS: Record<string, [BluetoothState, string]> = {
  poweredOff: ['poweredOff', 'Bluetooth is turned off'],
  unauthorized: ['unauthorized', 'Earshot is not allowed to use Bluetooth'],
  unsupported: ['unsupported', 'this Bluetooth adapter cannot scan for Low Energy devices'],
  resetting: ['resetting', 'Bluetooth is restarting'],
  unknown: ['unknown', 'waiting for Bluetooth'],
};

export interface ScannerOptions {
  tracker: AirPodsTracker;
  warn?: (message: string) => void;
  now?: () => number;
  /** How long a peripheral may stay in noble's cache after its last advert. */
  peripheralTtlMs?: number;
  pruneEveryMs?: number;
}

export class AirPodsScanner {
  private bluetooth: BluetoothState = 'starting';
  private reason: string | undefined;
  private readonly lastSeen = new Map<string, number>();
  private readonly listeners = new Set<(s: ScannerStatus) => void>();
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private warnedAt = -Infinity;
  private readonly now: () => number;
  private readonly warn: (m: string) => void;

  constructor(
    private readonly load: NobleLoad,
    private readonly o: ScannerOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.warn = o.warn ?? ((m) => console.warn(m));
  }

  get tracker(): AirPodsTracker {
    return this.o.tracker;
  }

  start(): void {
    if ('unavailable' in this.load) {
      this.setBluetooth(this.load.unavailable, this.load.reason);
      return;
    }
    const noble = this.load.noble;
    noble.on('warning', (message: string) => this.warn(`noble: ${message}`));
    noble.on('stateChange', (state: string) => {
      if (state === 'poweredOn') {
        this.setBluetooth('scanning');
        // Every advert, not just the first per address (duplicates), and no service filter:
        // AirPods announce no services in these adverts.
        noble.startScanningAsync([], true).catch((err: unknown) => this.setBluetooth('unknown', `could not start scanning: ${(err as Error).message}`));
      } else {
        const [bluetooth, reason] = STATE_REASONS[state] ?? ['unknown', `Bluetooth is ${state}`];
        this.setBluetooth(bluetooth, reason);
      }
    });
    noble.on('discover', (p: PeripheralLike) => this.onDiscover(p));
    this.pruneTimer = setInterval(() => this.prune(), this.o.pruneEveryMs ?? 10_000);
    this.pruneTimer.unref?.();
  }

  stop(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if ('noble' in this.load) void this.load.noble.stopScanningAsync().catch(() => undefined);
  }

  status(): ScannerStatus {
    const now = this.now();
    return { bluetooth: this.bluetooth, ...(this.reason ? { reason: this.reason } : {}), airpods: this.o.tracker.status(now), nearby: this.o.tracker.nearby(now) };
  }

  onStatus(listener: (s: ScannerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onDiscover(p: PeripheralLike): void {
    const now = this.now();
    this.lastSeen.set(p.uuid, now);
    const raw = p.advertisement?.manufacturerData;
    if (!raw || raw.length < 3 || raw[0] !== 0x4c || raw[1] !== 0x00 || raw[2] !== 0x07) return; // not a proximity-pairing advert
    const frame = decodeProximityPairing(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    if (!frame) {
      // Malformed or another kind of frame: ignored, and said once a minute at most.
      if (now - this.warnedAt > 60_000) {
        this.warnedAt = now;
        this.warn(`airpods: ignored a proximity-pairing advert that is not a status frame (${raw.length} bytes from ${p.address || p.uuid})`);
      }
      return;
    }
    this.o.tracker.observe({ address: p.address || p.uuid, rssi: p.rssi, at: now, frame });
    this.emit();
  }

  /**
   * noble keeps every peripheral it has ever seen. AirPods rotate their random
   * address every few minutes, so without this the cache grows without bound.
   */
  prune(): number {
    if (!('noble' in this.load)) return 0;
    const noble = this.load.noble;
    const ttl = this.o.peripheralTtlMs ?? 60_000;
    const now = this.now();
    let removed = 0;
    for (const uuid of Object.keys(noble._peripherals ?? {})) {
      if (now - (this.lastSeen.get(uuid) ?? 0) <= ttl) continue;
      for (const cache of [noble._peripherals, noble._services, noble._characteristics, noble._descriptors, noble._discoveredPeripheralUUids]) {
        if (cache) delete cache[uuid];
      }
      this.lastSeen.delete(uuid);
      removed++;
    }
    return removed;
  }

  private setBluetooth(state: BluetoothState, reason?: string): void {
    this.bluetooth = state;
    this.reason = reason;
    this.emit();
  }

  private emit(): void {
    const s = this.status();
    for (const l of this.listeners) l(s);
  }
}

/** The panel's view of a scanner status. */
export function toAirPodsView(s: ScannerStatus): AirPodsView {
  const a = s.airpods;
  const view: AirPodsView = {
    bluetooth: s.bluetooth,
    state: a.state,
    nearby: s.nearby.map((c) => ({ address: c.address, model: c.model, color: c.color, rssi: Math.round(c.rssi), lastSeen: c.lastSeen, summary: batterySummary(c.frame) })),
  };
  if (s.reason) view.reason = s.reason;
  if (a.state !== 'unpaired') view.model = a.device.model;
  if (a.state === 'tracking') {
    if (a.frame.left) view.left = a.frame.left;
    if (a.frame.right) view.right = a.frame.right;
    if (a.frame.case) view.case = a.frame.case;
    if (a.frame.single) view.single = a.frame.single;
    view.rssi = Math.round(a.rssi);
  }
  if (a.state === 'tracking' || a.state === 'not-sure' || a.state === 'not-seen') view.lastSeen = a.lastSeen;
  if (a.state === 'not-sure') view.notSure = a.reason;
  return view;
}
