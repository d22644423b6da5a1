/**
 * When Earshot listens, and what a heard command does — never continuously: a
 * window opens after an incident is spoken (or while push-to-talk is held) and
 * closes after `windowMs`, on a decision, or on cancel. Inside it, audio goes
 * through the VAD; the room noise heard before speech goes with each utterance to
 * the recognizer. Accepted → the command, for the incident the window is about.
 * Unsure → "say again" once (the window reopens); unsure twice → give up quietly.
 * Rejected (other speech, noise) → nothing; keep listening until the window ends.
 *
 * A word can reach the recognizer in two pieces: over a headset's 8 kHz band the /s/ of
 * "can-cel" (above 4 kHz) is gone, and in loud steady noise the gap it leaves outlasts the
 * VAD's hangover. So a stretch that follows a rejected one after a short pause is also heard
 * joined to it (the audio between included), and the better-scored of the two counts.
 */
import { SAMPLE_RATE } from './features';
import type { CommandRecognizer, Decision, VoiceCommand } from './recognizer';
import { RecentAudio } from './recent-audio';
import { Vad, type SpeechSegment } from './vad';

export interface ListenerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export type ListenerEvent =
  | { type: 'listening'; incidentId: number | null; reason: 'announcement' | 'push-to-talk' | 'say-again' | 'test'; until: number }
  | { type: 'heard'; decision: Decision; incidentId: number | null; decidedInMs: number; /** Samples since the window opened: end of speech, and when the VAD knew. */ speechEnd: number; detectedAt: number; /** The decision is on this stretch joined to the rejected one before it. */ joined: boolean }
  | { type: 'command'; command: VoiceCommand; incidentId: number | null; test: boolean }
  | { type: 'say-again'; incidentId: number | null }
  | { type: 'stopped'; why: 'timeout' | 'decided' | 'cancelled' | 'gave up' | 'closed' };

export interface ListenerOptions {
  windowMs: number;
  /** How much room noise (before speech) to keep for the recognizer. */
  noiseMs: number;
  /** A stretch that starts at most this long after a rejected one is also heard joined to it (0: never). */
  joinGapMs: number;
}

export const LISTENER_DEFAULTS: ListenerOptions = { windowMs: 6_000, noiseMs: 500, joinGapMs: 300 };
/** How far before the detected start the noise sample ends (the VAD's start may be a little late). */
const GUARD_MS = 100;

export class VoiceListener {
  private readonly o: ListenerOptions;
  private vad = new Vad();
  private open: { incidentId: number | null; timer: unknown; retried: boolean; reason: string } | null = null;
  /** The last 3 s or so of audio: the room noise from just before an utterance, and a word the VAD cut in two. */
  private readonly recent: RecentAudio;
  /** The last stretch of speech, when it was rejected: the first piece of a word the VAD may have cut in two. */
  private rejected: Pick<SpeechSegment, 'from' | 'start' | 'end'> | null = null;
  private readonly listeners = new Set<(e: ListenerEvent) => void>();

  constructor(
    private readonly recognizer: () => CommandRecognizer | null,
    private readonly clock: ListenerClock,
    options: Partial<ListenerOptions> = {},
  ) {
    this.o = { ...LISTENER_DEFAULTS, ...options };
    this.recent = new RecentAudio(this.o.noiseMs + GUARD_MS + 2_600);
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
    this.recent.clear();
    this.rejected = null;
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
    this.recent.push(chunk);
    const segments = this.vad.push(chunk);
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
    let decision: Decision = segment.tooLong ? { decision: 'reject', reason: 'too long' } : recognizer.classify(segment.samples, this.noiseBefore(segment.start));
    const before = this.rejected;
    const gap = (this.o.joinGapMs * SAMPLE_RATE) / 1000;
    const joinable = !segment.tooLong && before !== null && segment.start - before.end <= gap && before.from >= this.recent.start;
    let joined = false;
    if (joinable) {
      const whole = recognizer.classify(this.recent.slice(before.from, segment.from + segment.samples.length), this.noiseBefore(before.start));
      if (rank(whole) > rank(decision)) {
        decision = whole;
        joined = true;
      }
    }
    // Pieces chain: a third stretch after a short pause joins the first two.
    const first = joinable ? before : segment;
    this.rejected = decision.decision === 'reject' && !segment.tooLong ? { from: first.from, start: first.start, end: segment.end } : null;
    this.emit({ type: 'heard', decision, incidentId: open.incidentId, decidedInMs: this.clock.now() - started, speechEnd: segment.end, detectedAt: segment.detectedAt, joined });
    if (decision.decision === 'accept') {
      this.close('decided');
      this.emit({ type: 'command', command: decision.command, incidentId: open.incidentId, test: open.reason === 'test' });
    } else if (decision.decision === 'unsure') {
      this.close(open.retried ? 'gave up' : 'decided');
      if (!open.retried && open.reason !== 'test') this.emit({ type: 'say-again', incidentId: open.incidentId });
    }
    // Rejected: other speech or noise — nothing happens; the window runs on.
  }

  /** The room alone: up to `noiseMs` of audio ending a little before the speech began (its onset is not noise). */
  private noiseBefore(speechStart: number): Float32Array {
    const end = speechStart - Math.round((GUARD_MS * SAMPLE_RATE) / 1000);
    const start = Math.max(this.recent.start, end - Math.round((this.o.noiseMs * SAMPLE_RATE) / 1000));
    return end > start ? this.recent.slice(start, end) : new Float32Array(0);
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

/** Accept over unsure over reject; within each, the higher score. */
function rank(d: Decision): number {
  const level = d.decision === 'accept' ? 2 : d.decision === 'unsure' ? 1 : 0;
  return level * 1e6 + Math.max(-1e5, Math.min(1e5, d.score ?? -1e5));
}
