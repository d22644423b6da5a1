/**
 * An enrolment take from the microphone, cut as the listener hears a word: the VAD's first stretch
 * of speech, joined with any stretch that begins within `joinGapMs` of the one before it — a word the
 * VAD cut in two (a second syllable 15 dB quieter than the first, the stop in "re-peat"), the audio
 * between included — with the VAD's 100 ms before the speech and 50 ms after it. Platform-free: the
 * app feeds it the microphone, the benchmark a rendered take.
 */
import { SAMPLE_RATE } from './features';
import { LISTENER_DEFAULTS } from './listener';
import { RecentAudio } from './recent-audio';
import { SEGMENT_TAIL, Vad, type SpeechSegment, type VadOptions } from './vad';

/** Audio kept (the latest): more than a take can span (the VAD's longest stretch, its preroll, a gap and a second stretch). */
const KEEP_MS = 6_000;

export class TakeCutter {
  private readonly vad: Vad;
  private readonly gap: number;
  private readonly recent = new RecentAudio(KEEP_MS);
  private first: SpeechSegment | null = null;
  private last: SpeechSegment | null = null;

  constructor(options: { joinGapMs?: number; vad?: Partial<VadOptions> } = {}) {
    this.vad = new Vad(options.vad);
    this.gap = Math.round(((options.joinGapMs ?? LISTENER_DEFAULTS.joinGapMs) * SAMPLE_RATE) / 1000);
  }

  /** Microphone audio (16 kHz mono): the take once it is whole (nothing more began within the gap after it), else null. */
  push(chunk: Float32Array): Float32Array | null {
    this.recent.push(chunk);
    for (const s of this.vad.push(chunk)) {
      if (s.tooLong) continue;
      if (!this.first) this.first = this.last = s;
      else if (this.last && s.start - this.last.end <= this.gap) this.last = s;
    }
    if (!this.last || this.recent.fed - this.last.end <= this.gap) return null;
    // Whole unless a stretch that began within the gap is still going on.
    const since = this.vad.speakingSince;
    return since === null || since - this.last.end > this.gap ? this.take() : null;
  }

  /** What was heard when the microphone stops (a take still waiting out its gap), or null. */
  finish(): Float32Array | null {
    return this.last ? this.take() : null;
  }

  private take(): Float32Array {
    return this.recent.slice((this.first as SpeechSegment).from, (this.last as SpeechSegment).end + SEGMENT_TAIL);
  }
}
