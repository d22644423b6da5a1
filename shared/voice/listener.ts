/**
 * When Earshot listens, and what a heard command does — never continuously: a
 * window opens after an incident is spoken (or while push-to-talk is held) and
 * closes after `windowMs`, on a decision, or on cancel. Inside it, audio goes
 * through the VAD; the room noise heard before speech goes with each utterance to
 * the recognizer. Accepted → the command, for the incident the window is about.
 * Unsure → "say again" once (the window reopens); unsure twice → give up quietly.
 * Rejected (other speech, noise) → nothing; keep listening until the window ends.
 */
import { SAMPLE_RATE } from './features';
import type { CommandRecognizer, Decision, VoiceCommand } from './recognizer';
import { Vad, type SpeechSegment } from './vad';

export interface ListenerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export type ListenerEvent =
  | { type: 'listening'; incidentId: number | null; reason: 'announcement' | 'push-to-talk' | 'say-again' | 'test'; until: number }
  | { type: 'heard'; decision: Decision; incidentId: number | null; decidedInMs: number }
  | { type: 'command'; command: VoiceCommand; incidentId: number | null; test: boolean }
  | { type: 'say-again'; incidentId: number | null }
  | { type: 'stopped'; why: 'timeout' | 'decided' | 'cancelled' | 'gave up' | 'closed' };

export interface ListenerOptions {
  windowMs: number;
  /** How much room noise (before speech) to keep for the recognizer. */
  noiseMs: number;
}

export const LISTENER_DEFAULTS: ListenerOptions = { windowMs: 6_000, noiseMs: 500 };

export class VoiceListener {
  private readonly o: ListenerOptions;
  private vad = new Vad();
  private open: { incidentId: number | null; timer: unknown; retried: boolean; reason: string } | null = null;
  private noise: Float32Array;
  private noiseLen = 0;
  private readonly listeners = new Set<(e: ListenerEvent) => void>();

  constructor(
    private readonly recognizer: () => CommandRecognizer | null,
    private readonly clock: ListenerClock,
    options: Partial<ListenerOptions> = {},
  ) {
    this.o = { ...LISTENER_DEFAULTS, ...options };
    this.noise = new Float32Array(Math.round((this.o.noiseMs * SAMPLE_RATE) / 1000));
  }

  get listening(): boolean {
    return this.open !== null;
  }

  get incidentId(): number | null {
    return this.open?.incidentId ?? null;
  }

  on(listener: (e: ListenerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens a listening window about an incident (null: no incident, e.g. push-to-talk with nothing announced). */
  start(incidentId: number | null, reason: 'announcement' | 'push-to-talk' | 'say-again' | 'test' = 'announcement', retried = false): void {
    if (!this.recognizer()) return; // not enrolled or switched off: never open the microphone
    this.close(null);
    this.vad = new Vad();
    this.noiseLen = 0;
    const timer = this.clock.setTimer(() => this.close('timeout'), this.o.windowMs);
    this.open = { incidentId, timer, retried, reason };
    this.emit({ type: 'listening', incidentId, reason, until: this.clock.now() + this.o.windowMs });
  }

  /** Closes the window (push-to-talk released, the user pressed cancel, the app hid). */
  stop(why: 'cancelled' | 'closed' = 'closed'): void {
    this.close(why);
  }

  /** Audio from the microphone (16 kHz mono), only while listening. */
  push(chunk: Float32Array): void {
    if (!this.open) return;
    const quiet = !this.vad.speaking;
    const segments = this.vad.push(chunk);
    if (quiet && !this.vad.speaking) this.keepNoise(chunk);
    for (const s of segments) {
      if (!this.open) return;
      this.decide(s);
    }
  }

  private decide(segment: SpeechSegment): void {
    const open = this.open;
    const recognizer = this.recognizer();
    if (!open || !recognizer) return;
    const started = this.clock.now();
    const noise = this.noise.slice(0, this.noiseLen);
    const decision: Decision = segment.tooLong ? { decision: 'reject', reason: 'too long' } : recognizer.classify(segment.samples, noise);
    this.emit({ type: 'heard', decision, incidentId: open.incidentId, decidedInMs: this.clock.now() - started });
    if (decision.decision === 'accept') {
      this.close('decided');
      this.emit({ type: 'command', command: decision.command, incidentId: open.incidentId, test: open.reason === 'test' });
    } else if (decision.decision === 'unsure') {
      this.close(open.retried ? 'gave up' : 'decided');
      if (!open.retried && open.reason !== 'test') this.emit({ type: 'say-again', incidentId: open.incidentId });
    }
    // Rejected: other speech or noise — nothing happens; the window runs on.
  }

  private keepNoise(chunk: Float32Array): void {
    const cap = this.noise.length;
    if (chunk.length >= cap) {
      this.noise.set(chunk.subarray(chunk.length - cap));
      this.noiseLen = cap;
      return;
    }
    if (this.noiseLen + chunk.length > cap) {
      const drop = this.noiseLen + chunk.length - cap;
      this.noise.copyWithin(0, drop, this.noiseLen);
      this.noiseLen -= drop;
    }
    this.noise.set(chunk, this.noiseLen);
    this.noiseLen += chunk.length;
  }

  private close(why: 'timeout' | 'decided' | 'cancelled' | 'gave up' | 'closed' | null): void {
    if (!this.open) return;
    this.clock.clearTimer(this.open.timer);
    this.open = null;
    if (why) this.emit({ type: 'stopped', why });
  }

  private emit(e: ListenerEvent): void {
    for (const l of this.listeners) l(e);
  }
}
