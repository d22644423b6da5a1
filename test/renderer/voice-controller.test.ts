/**
 * The voice controller with a fake microphone fed espeak audio: a window opens only
 * after an announcement that asks for action (a new, re-triggered or repeated
 * incident), only when turned on, and only with an enrolment; the microphone is
 * open just for the window; a recognised word goes to the api for that incident;
 * a word it is unsure of gets one "Say again?" and one more window, never a guess;
 * a refused microphone is explained; enrolment takes are recorded and validated.
 */
import { describe, expect, it, vi } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { SAMPLE_RATE } from '../../shared/voice/features';
import type { Enrolment } from '../../shared/voice/recognizer';
import { MicrophoneError } from '../../renderer/src/voice/microphone';
import { VoiceController } from '../../renderer/src/voice/voice-controller';
import { ENROLMENT_KEY, loadEnrolment } from '../../renderer/src/voice/enrolment-store';
import { espeakEnrolment, render } from '../bench/voice/corpus';
import { loadKeywordModel } from '../bench/voice/keyword-model';
import type { KeywordModel } from '../../shared/voice/keyword-model';

const missing = findExecutable('espeak-ng') && findExecutable('sox') ? null : 'espeak-ng and sox are needed';

function setup(enrolment: Enrolment, mic: { fail?: MicrophoneError } = {}, loadModel?: () => Promise<KeywordModel>) {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let id = 1;
  const clock = { now: () => now, setTimer: (fn: () => void, ms: number) => (timers.set(id, { at: now + ms, fn }), id++), clearTimer: (h: unknown) => void timers.delete(h as number) };
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
      await Promise.resolve();
    }
    now = until;
    await new Promise((r) => setTimeout(r, 0));
  };
  let feed: ((c: Float32Array) => void) | null = null;
  const opened: string[] = [];
  const api = { voiceCommand: vi.fn(async () => undefined) };
  let stored = enrolment;
  const cue = vi.fn();
  const c = new VoiceController({
    api,
    openMic: async (onChunk) => {
      if (mic.fail) throw mic.fail;
      opened.push('open');
      feed = onChunk;
      return { close: () => (opened.push('close'), (feed = null)) };
    },
    cue,
    load: () => stored,
    save: (e) => (stored = e),
    clock,
    windowMs: 6_000,
    ...(loadModel ? { loadModel } : {}),
  });
  const say = (x: Float32Array) => {
    for (let i = 0; i < x.length; i += 320) feed?.(x.subarray(i, i + 320));
  };
  return { c, api, cue, opened, say, advance, stored: () => stored };
}

describe.skipIf(missing !== null)(`voice controller${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const enrolment = espeakEnrolment('en-us');
  const word = (text: string) => render({ text, voice: 'en-us', speed: 172, pitch: 49 }).samples;

  it('after a new incident is spoken: cue, microphone for the window only, the word acts on that incident', async () => {
    const t = setup(enrolment);
    t.c.setEnabled(true);
    t.c.onPlayerStatus({ state: 'playing', incidentId: 5, kind: 'new', utteranceId: 1 });
    expect(t.c.value.listening).toBeNull(); // not while it speaks
    t.c.onPlayerStatus({ state: 'holding', incidentId: 5, kind: 'new', utteranceId: 1 });
    expect(t.c.value.listening).toMatchObject({ incidentId: 5, reason: 'announcement' });
    expect(t.cue.mock.calls).toEqual([['start']]); // the rising tone (and "Listening for #5" in the panel)
    expect(t.opened).toEqual([]); // the cue first
    await t.advance(150);
    expect(t.opened).toEqual(['open']);
    t.say(word('snooze'));
    await t.advance(0);
    expect(t.api.voiceCommand).toHaveBeenCalledWith('snooze', 5);
    expect(t.opened).toEqual(['open', 'close']);
    expect(t.c.value.listening).toBeNull();
  });

  it('a word it is unsure of: "Say again?" once, the window reopens when that has been said, and unsure again it gives up quietly', async () => {
    // "cancelled" against this enrolment's takes (alone: no model) is between the unsure and accept lines.
    const t = setup(enrolment);
    t.c.setEnabled(true);
    t.c.onPlayerStatus({ state: 'playing', incidentId: 5, kind: 'new', utteranceId: 1 });
    t.c.onPlayerStatus({ state: 'holding', incidentId: 5, kind: 'new', utteranceId: 1 });
    await t.advance(150);
    t.say(word('cancelled'));
    await t.advance(0);
    expect(t.api.voiceCommand.mock.calls).toEqual([['say-again', 5]]); // asked, not guessed
    expect(t.c.value.listening).toBeNull();
    expect(t.opened).toEqual(['open', 'close']); // the microphone is closed while Earshot asks
    // Earshot says "Say again?"; once it has, the window reopens about the same incident.
    t.c.onPlayerStatus({ state: 'playing', kind: 'confirmation', utteranceId: 2 });
    expect(t.c.value.listening).toBeNull();
    t.c.onPlayerStatus({ state: 'idle' });
    expect(t.c.value.listening).toMatchObject({ incidentId: 5, reason: 'say-again' });
    await t.advance(150);
    t.say(word('cancelled'));
    await t.advance(0);
    expect(t.api.voiceCommand.mock.calls).toEqual([['say-again', 5]]); // not asked twice
    expect(t.c.value.listening).toBeNull();
    t.c.onPlayerStatus({ state: 'playing', kind: 'confirmation', utteranceId: 3 });
    t.c.onPlayerStatus({ state: 'idle' });
    expect(t.c.value.listening).toBeNull(); // and no window after it

    // Said clearly the second time, it acts.
    t.c.onPlayerStatus({ state: 'playing', incidentId: 6, kind: 'new', utteranceId: 4 });
    t.c.onPlayerStatus({ state: 'holding', incidentId: 6, kind: 'new', utteranceId: 4 });
    await t.advance(150);
    t.say(word('cancelled'));
    await t.advance(0);
    t.c.onPlayerStatus({ state: 'playing', kind: 'confirmation', utteranceId: 5 });
    t.c.onPlayerStatus({ state: 'idle' });
    await t.advance(150);
    t.say(word('resolve'));
    await t.advance(0);
    expect(t.api.voiceCommand.mock.calls).toEqual([['say-again', 5], ['say-again', 6], ['resolve', 6]]);
  });

  it('no window after confirmations or "acknowledged by …", when switched off, or without an enrolment; the window times out', async () => {
    const t = setup(enrolment);
    t.c.onPlayerStatus({ state: 'playing', incidentId: 5, kind: 'new', utteranceId: 1 });
    t.c.onPlayerStatus({ state: 'holding', incidentId: 5, kind: 'new', utteranceId: 1 });
    expect(t.c.value.listening).toBeNull(); // off by default
    t.c.setEnabled(true);
    for (const kind of ['confirmation', 'acknowledged', 'resolved', 'storm'] as const) {
      t.c.onPlayerStatus({ state: 'playing', incidentId: 5, kind, utteranceId: 2 });
      t.c.onPlayerStatus({ state: 'idle' });
      expect(t.c.value.listening, kind).toBeNull();
    }
    t.c.onPlayerStatus({ state: 'playing', incidentId: 6, kind: 'retriggered', utteranceId: 3 });
    t.c.onPlayerStatus({ state: 'holding', incidentId: 6, kind: 'retriggered', utteranceId: 3 });
    await t.advance(6_000);
    expect(t.c.value.listening).toBeNull();
    expect(t.opened).toEqual(['open', 'close']);
    expect(t.cue.mock.calls).toEqual([['start'], ['stop']]); // a falling tone: the window timed out

    // Earshot starts speaking while a window is open: the window closes (it must not hear itself).
    t.c.onPlayerStatus({ state: 'playing', incidentId: 7, kind: 'new', utteranceId: 4 });
    t.c.onPlayerStatus({ state: 'holding', incidentId: 7, kind: 'new', utteranceId: 4 });
    expect(t.c.value.listening).not.toBeNull();
    t.c.onPlayerStatus({ state: 'playing', incidentId: 8, kind: 'new', utteranceId: 5 });
    expect(t.c.value.listening).toBeNull();

    const none = setup({ version: 1, sampleRate: SAMPLE_RATE, takes: [] });
    none.c.setEnabled(true);
    none.c.pushToTalk(true, 1);
    expect(none.c.value.listening).toBeNull();
  });

  it('with the bundled keyword model loaded, decisions carry its opinion; if it cannot load, the takes decide alone and it says so', async () => {
    const t = setup(enrolment, {}, () => Promise.resolve(loadKeywordModel()));
    expect(t.c.value.model).toBe('loading');
    await t.advance(0);
    expect(t.c.value.model).toBe('ready');
    t.c.setEnabled(true);
    t.c.pushToTalk(true, 9);
    await t.advance(150);
    t.say(word('resolve'));
    await t.advance(0);
    expect(t.api.voiceCommand).toHaveBeenCalledWith('resolve', 9);
    expect(t.c.value.heardDetail).toMatch(/model \d+ % “resolve” \/ \d+ % other/);

    const broken = setup(enrolment, {}, () => Promise.reject(new Error('keyword model: layers.0.weights: 3 values, expected 7680 (64 × 24 × 5)')));
    await broken.advance(0);
    expect(broken.c.value.model).toBe('unavailable');
    expect(broken.c.value.heardDetail).toMatch(/^keyword model not loaded \(keyword model: layers\.0\.weights: .*\); your takes decide alone$/);
    broken.c.setEnabled(true);
    broken.c.pushToTalk(true, 9);
    await broken.advance(150);
    broken.say(word('snooze'));
    await broken.advance(0);
    expect(broken.api.voiceCommand).toHaveBeenCalledWith('snooze', 9);
  });

  it('a voice the model does not know: the commands it misreads in the takes are named, and decided by the takes alone', async () => {
    const voice = 'en-us+shelby';
    const t = setup(espeakEnrolment(voice), {}, () => Promise.resolve(loadKeywordModel()));
    expect(t.c.value.takesAlone).toEqual([]); // no model yet: nothing to say
    await t.advance(0);
    expect(t.c.value.takesAlone).toEqual(expect.arrayContaining(['resolve', 'cancel']));
    expect(t.c.value.takesAlone).not.toContain('acknowledge');
    t.c.setEnabled(true);
    t.c.pushToTalk(true, 4);
    await t.advance(150);
    t.say(render({ text: 'resolve', voice, speed: 172, pitch: 49 }).samples);
    await t.advance(0);
    expect(t.api.voiceCommand).toHaveBeenCalledWith('resolve', 4);
    expect(t.c.value.heardDetail).toMatch(/\(not counted: it does not recognise your takes of this word\)/);
  });

  it('a refused microphone is explained and the window closes', async () => {
    const t = setup(enrolment, { fail: new MicrophoneError('denied', 'microphone access was refused') });
    t.c.setEnabled(true);
    t.c.pushToTalk(true, 3);
    await t.advance(150);
    expect(t.c.value).toMatchObject({ microphone: 'denied', listening: null });
    expect(t.c.value.error).toMatch(/^Microphone access was refused\./);
  });

  it('enrolment: a take is the first word heard after the tone; a wrong one is named; "record again" forgets that word; storage is validated', async () => {
    /** Records a take of `command` by saying `text` after the tone. */
    const recordSaying = async (at: ReturnType<typeof setup>, command: 'cancel' | 'repeat', text: string) => {
      const recording = at.c.recordTake(command);
      await new Promise((r) => setTimeout(r, 0));
      // The cue first, then the microphone (the tone is not the take's room).
      expect(at.opened).toEqual([]);
      await at.advance(150);
      expect(at.opened).toEqual(['open']);
      at.say(word(text));
      at.say(new Float32Array(SAMPLE_RATE / 2));
      await recording;
    };
    const t = setup({ version: 1, sampleRate: SAMPLE_RATE, takes: [] });
    await recordSaying(t, 'cancel', 'cancel');
    expect(t.c.value.takes.cancel).toBe(1);
    expect(t.stored().takes).toHaveLength(1);
    t.c.forget('cancel');
    expect(t.c.value.takes.cancel).toBe(0);

    // Disposed during the tone (the app closing): the microphone is never opened.
    const gone = setup({ version: 1, sampleRate: SAMPLE_RATE, takes: [] });
    const cut = gone.c.recordTake('cancel');
    gone.c.dispose();
    await gone.advance(150);
    await cut;
    expect(gone.opened).toEqual([]);

    const quiet = t.c.recordTake('repeat').then(
      () => null,
      (e: Error) => e.message,
    );
    await t.advance(4_000);
    expect(await quiet).toBe('nothing heard: say “repeat” after the tone');

    // A third take that is the wrong word is named, until the word is recorded again.
    let second = 0;
    const twoRepeats = { ...enrolment, takes: enrolment.takes.filter((tk) => tk.command !== 'repeat' || second++ < 2) };
    const u = setup(twoRepeats);
    expect(u.c.value.takeProblems).toEqual([]);
    await recordSaying(u, 'repeat', 'resolve');
    expect(u.c.value.takes.repeat).toBe(3);
    expect(u.c.value.takeProblems).toEqual([{ command: 'repeat', take: 2, problem: 'like-other', other: 'resolve' }]);
    u.c.forget('repeat');
    expect(u.c.value.takeProblems).toEqual([]);

    // How sure before acting: kept with the takes, read back, and "Delete my recordings" keeps it.
    expect(u.c.value.sensitivity).toBe('normal');
    u.c.setSensitivity('lenient');
    expect(u.c.value.sensitivity).toBe('lenient');
    expect(u.stored().sensitivity).toBe('lenient');
    u.c.forget();
    expect(u.stored()).toMatchObject({ sensitivity: 'lenient', takes: [] });
    expect(setup({ ...enrolment, sensitivity: 'strict' }).c.value.sensitivity).toBe('strict');

    const storage = new Map<string, string>();
    const fake = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) } as unknown as Storage;
    storage.set(ENROLMENT_KEY, JSON.stringify({ version: 1, sampleRate: SAMPLE_RATE, takes: [{ command: 'rm -rf', pcm: 'AAAA' }] }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(loadEnrolment(fake).takes).toEqual([]);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^voice enrolment in this browser is not valid \(takes\.0\.command/);
    storage.set(ENROLMENT_KEY, JSON.stringify({ version: 1, sampleRate: SAMPLE_RATE, sensitivity: 'deaf', takes: [] }));
    expect(loadEnrolment(fake).sensitivity).toBeUndefined();
    expect(warn.mock.calls[1]?.[0]).toMatch(/^voice enrolment in this browser is not valid \(sensitivity: /);
    warn.mockRestore();
  });
});
