/**
 * The audible cue: a rising two-note tone when the microphone opens, a falling one when a
 * window closes unused — played through Web Audio (faked here at the AudioContext: the
 * oscillators' pitches and times are what is heard). With no audio output it stays silent
 * and throws nothing: the visible cue is still there.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { playCue } from '../../renderer/src/voice/microphone';

interface Tone {
  hz: number;
  start: number;
  stop: number;
  gain: number;
}

function fakeAudio(): { tones: Tone[]; closed: () => number } {
  const tones: Tone[] = [];
  let closed = 0;
  class FakeContext {
    currentTime = 2;
    destination = {};
    createOscillator() {
      const tone: Tone = { hz: 0, start: NaN, stop: NaN, gain: NaN };
      tones.push(tone);
      return {
        frequency: {
          set value(v: number) {
            tone.hz = v;
          },
        },
        connect: (g: { gain: { value: number } }) => ((tone.gain = g.gain.value), g),
        start: (at: number) => (tone.start = at),
        stop: (at: number) => (tone.stop = at),
      };
    }
    createGain() {
      return { gain: { value: 1 }, connect: (d: unknown) => d };
    }
    close() {
      closed++;
      return Promise.resolve();
    }
  }
  vi.stubGlobal('AudioContext', FakeContext);
  return { tones, closed: () => closed };
}

describe('the listening cue', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('opening: two short notes, rising; closing unused: the same notes, falling; quiet, and the context is closed after', () => {
    vi.useFakeTimers();
    const a = fakeAudio();
    playCue('start');
    expect(a.tones.map((t) => t.hz)).toEqual([660, 880]);
    const [first, second] = a.tones as [Tone, Tone];
    expect(first.start).toBe(2);
    expect(second.start).toBeGreaterThanOrEqual(first.stop); // one after the other, not a chord
    for (const t of a.tones) {
      expect(t.stop - t.start).toBeGreaterThan(0.03);
      expect(t.stop - t.start).toBeLessThan(0.2);
      expect(t.gain).toBeLessThanOrEqual(0.1); // a cue, not an alarm
    }
    vi.advanceTimersByTime(500);
    expect(a.closed()).toBe(1);

    const b = fakeAudio();
    playCue('stop');
    expect(b.tones.map((t) => t.hz)).toEqual([880, 660]);
  });

  it('with no audio output it throws nothing', () => {
    vi.stubGlobal(
      'AudioContext',
      class {
        constructor() {
          throw new Error('no audio device');
        }
      },
    );
    expect(() => playCue('start')).not.toThrow();
  });
});
