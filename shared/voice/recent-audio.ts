import { SAMPLE_RATE } from './features';

/** The latest audio fed (16 kHz mono), addressed by sample index in everything fed since the last clear. */
export class RecentAudio {
  private readonly buf: Float32Array;
  private len = 0;
  private total = 0;

  constructor(ms: number) {
    this.buf = new Float32Array(Math.round((ms * SAMPLE_RATE) / 1000));
  }

  /** Samples fed since the last clear. */
  get fed(): number {
    return this.total;
  }

  /** Sample index of the oldest sample kept. */
  get start(): number {
    return this.total - this.len;
  }

  clear(): void {
    this.len = 0;
    this.total = 0;
  }

  push(chunk: Float32Array): void {
    const cap = this.buf.length;
    this.total += chunk.length;
    if (chunk.length >= cap) {
      this.buf.set(chunk.subarray(chunk.length - cap));
      this.len = cap;
      return;
    }
    if (this.len + chunk.length > cap) {
      const drop = this.len + chunk.length - cap;
      this.buf.copyWithin(0, drop, this.len);
      this.len -= drop;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  /** A copy of samples `from`…`to` (indices in everything fed), clipped to what is kept. */
  slice(from: number, to: number): Float32Array {
    const base = this.start;
    return this.buf.slice(Math.max(0, from - base), Math.max(0, Math.min(this.len, to - base)));
  }
}
