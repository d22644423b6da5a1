/**
 * Follows "my AirPods" through a crowd. AirPods advertise from a random address
 * that rotates every few minutes, and a colleague's pair of the same model may
 * sit one desk away, so identity is inferred: same model and colour, batteries
 * within one step of what we last saw, and a plausible signal (smoothed with a
 * median). When two sources fit equally, the answer is "not sure" — never a
 * stranger's battery. Silence for 30 s means "not seen".
 */
import type { ProximityPairing } from './proximity-pairing';

export interface Observation {
  address: string;
  rssi: number;
  at: number;
  frame: ProximityPairing;
}

export interface PairedDevice {
  modelId: number;
  color: number;
  model: string;
}

export interface Candidate {
  address: string;
  model: string;
  modelId: number;
  color: number;
  rssi: number;
  lastSeen: number;
  frame: ProximityPairing;
}

export type TrackerStatus =
  | { state: 'unpaired' }
  | { state: 'searching'; device: PairedDevice }
  | { state: 'tracking'; device: PairedDevice; frame: ProximityPairing; rssi: number; lastSeen: number; address: string }
  | { state: 'not-sure'; device: PairedDevice; lastSeen: number; reason: string }
  | { state: 'not-seen'; device: PairedDevice; lastSeen: number };

export interface TrackerOptions {
  expiryMs: number;
  /** An address not heard from for this long stops competing. */
  sourceTtlMs: number;
  medianWindow: number;
  /** A source this much weaker (dB) than ours is someone else's. */
  maxRssiDrop: number;
  /** Two sources within this (dB) of each other cannot be told apart by signal. */
  ambiguousRssiDb: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = { expiryMs: 30_000, sourceTtlMs: 10_000, medianWindow: 7, maxRssiDrop: 15, ambiguousRssiDb: 6 };

interface Source {
  address: string;
  rssis: number[];
  lastSeen: number;
  frame: ProximityPairing;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Battery readings of the same device a moment apart differ by at most one 10 % step. */
function batteriesConsistent(a: ProximityPairing, b: ProximityPairing): boolean {
  const pairs: [number | null | undefined, number | null | undefined][] = [
    [a.left?.battery, b.left?.battery],
    [a.right?.battery, b.right?.battery],
    [a.case?.battery, b.case?.battery],
    [a.single?.battery, b.single?.battery],
  ];
  return pairs.every(([x, y]) => x === null || x === undefined || y === null || y === undefined || Math.abs(x - y) <= 10);
}

export class AirPodsTracker {
  private paired: PairedDevice | undefined;
  private readonly candidates = new Map<string, Candidate>();
  private readonly sources = new Map<string, Source>();
  private mine: Source | undefined;
  private readonly o: TrackerOptions;

  constructor(options: Partial<TrackerOptions> = {}, paired?: PairedDevice) {
    this.o = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    this.paired = paired;
  }

  get device(): PairedDevice | undefined {
    return this.paired;
  }

  /** Everything nearby for the pairing step: strongest first. */
  nearby(now: number): Candidate[] {
    for (const [address, c] of this.candidates) if (now - c.lastSeen > this.o.expiryMs) this.candidates.delete(address);
    return [...this.candidates.values()].sort((a, b) => b.rssi - a.rssi);
  }

  pair(address: string): PairedDevice {
    const c = this.candidates.get(address);
    if (!c) throw new Error(`no nearby device ${address}`);
    this.paired = { modelId: c.modelId, color: c.color, model: c.model };
    const source = this.sources.get(address);
    this.mine = source;
    return this.paired;
  }

  forget(): void {
    this.paired = undefined;
    this.mine = undefined;
  }

  observe(o: Observation): void {
    const rssis = [...(this.sources.get(o.address)?.rssis ?? []), o.rssi].slice(-this.o.medianWindow);
    const source: Source = { address: o.address, rssis, lastSeen: o.at, frame: o.frame };
    this.sources.set(o.address, source);
    this.candidates.set(o.address, { address: o.address, model: o.frame.model, modelId: o.frame.modelId, color: o.frame.color, rssi: median(rssis), lastSeen: o.at, frame: o.frame });
    // Rotated addresses pile up: forget sources long gone.
    for (const [address, s] of this.sources) if (o.at - s.lastSeen > this.o.expiryMs * 2) this.sources.delete(address);
    if (!this.paired || o.frame.modelId !== this.paired.modelId || o.frame.color !== this.paired.color) return;

    const mine = this.mine;
    if (!mine || mine.address === o.address) {
      this.mine = source;
      return;
    }
    const ourRssi = median(mine.rssis);
    const theirRssi = median(rssis);
    const plausible = theirRssi >= ourRssi - this.o.maxRssiDrop;
    // The other pod of the pair (or our pods on a new address) tells the same story.
    if (sameState(mine.frame, o.frame) && plausible) {
      this.mine = source;
      return;
    }
    // Address rotation: ours went quiet on the old address and reappear here, looking the same.
    if (o.at - mine.lastSeen > this.o.sourceTtlMs && batteriesConsistent(mine.frame, o.frame) && plausible) {
      this.mine = source;
      return;
    }
    // Until one source is established, a clearly stronger match is the better guess.
    if (mine.rssis.length < 3 && theirRssi > ourRssi + this.o.ambiguousRssiDb) this.mine = source;
  }

  status(now: number): TrackerStatus {
    if (!this.paired) return { state: 'unpaired' };
    const device = this.paired;
    const mine = this.mine;
    if (!mine) return { state: 'searching', device };
    if (now - mine.lastSeen > this.o.expiryMs) return { state: 'not-seen', device, lastSeen: mine.lastSeen };
    // Someone else's pods of the same model and colour, as strong as ours and consistent with
    // ours: we cannot tell which are which.
    const ourRssi = median(mine.rssis);
    for (const s of this.sources.values()) {
      if (s.address === mine.address || now - s.lastSeen > this.o.sourceTtlMs) continue;
      if (s.frame.modelId !== device.modelId || s.frame.color !== device.color) continue;
      if (Math.abs(median(s.rssis) - ourRssi) <= this.o.ambiguousRssiDb && batteriesConsistent(s.frame, mine.frame) && !sameState(s.frame, mine.frame)) {
        return { state: 'not-sure', device, lastSeen: mine.lastSeen, reason: 'another pair of the same model is just as close' };
      }
    }
    return { state: 'tracking', device, frame: mine.frame, rssi: ourRssi, lastSeen: mine.lastSeen, address: mine.address };
  }
}

/** Two adverts describing one physical state (both pods of one pair advertise). */
function sameState(a: ProximityPairing, b: ProximityPairing): boolean {
  const strip = (f: ProximityPairing) => JSON.stringify({ l: f.left, r: f.right, c: f.case?.battery, s: f.single });
  return strip(a) === strip(b);
}
