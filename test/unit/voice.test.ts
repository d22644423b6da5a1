/**
 * The voice pieces on real audio made here (espeak-ng, sox): the VAD finds a word
 * between silences and in noise, and nothing in noise alone; the recognizer, enrolled
 * on three takes per command, recognises clean commands, rejects sentences and noise;
 * the listener only listens in its window, asks "say again" once, and acts on the
 * incident the window is about. (Accuracy over the whole corpus is `npm run bench:voice`.)
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { bandPowers, HOP, meanMelPower, melPowers, melPowersOfMix, mfcc, mfccFromMels, SAMPLE_RATE, spectra } from '../../shared/voice/features';
import { VoiceListener, type ListenerEvent } from '../../shared/voice/listener';
import { COMMANDS, CommandRecognizer, decodePcm, dtw, dtwAlignment, encodePcm, enrolmentSchema, NOISY_TAKE_SNR_DB, RECOGNIZER_DEFAULTS, sensitivityOptions, bandPower } from '../../shared/voice/recognizer';
import { TakeCutter } from '../../shared/voice/take';
import { HighPass, Vad, VAD_DEFAULTS, voicedFrames, type VadOptions } from '../../shared/voice/vad';
import { ACCENT_VOICES, accentPhones } from '../bench/voice/accent';
import { checkEngineVoices, espeakEnrolment, noiseOnly, render, throughMsbc } from '../bench/voice/corpus';
import { loadKeywordModel, SHIPPED_MODEL } from '../bench/voice/keyword-model';

const missing = findExecutable('espeak-ng') && findExecutable('sox') ? null : 'espeak-ng and sox are needed (apt-get install espeak-ng sox)';
if (missing && process.env['CI']) throw new Error(`CI must have them: ${missing}`);
const festivalMissing = findExecutable('text2wave') ? null : 'festival is needed (apt-get install festival festvox-kallpc16k)';
if (festivalMissing && process.env['CI']) throw new Error(`CI must have it: ${festivalMissing}`);

const accentMissing = festivalMissing ?? (existsSync('/usr/share/festival/voices/italian/lp_diphone') ? null : 'an Italian festival voice is needed (apt-get install festvox-italp16k)');
if (accentMissing && process.env['CI']) throw new Error(`CI must have it: ${accentMissing}`);

const fliteMissing = findExecutable('flite') ? null : 'flite is needed (apt-get install flite)';
if (fliteMissing && process.env['CI']) throw new Error(`CI must have it: ${fliteMissing}`);

const msbcMissing = missing ?? (findExecutable('sbcenc') && findExecutable('sbcdec') ? null : "BlueZ's mSBC codec tools are needed (apt-get install sbc-tools)");
if (msbcMissing && process.env['CI']) throw new Error(`CI must have them: ${msbcMissing}`);

const enrol = (voice: string) => espeakEnrolment(voice);

function segments(x: Float32Array, options: Partial<VadOptions> = {}) {
  const vad = new Vad(options);
  return [...vad.push(x), ...vad.push(new Float32Array(SAMPLE_RATE))];
}

describe.skipIf(missing !== null)(`voice commands${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('PCM survives the base64 round trip used for storing takes', () => {
    const x = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i / 7) * 0.8);
    const y = decodePcm(encodePcm(x));
    expect(y.length).toBe(x.length);
    expect(Math.max(...x.map((v, i) => Math.abs(v - (y[i] as number))))).toBeLessThan(1e-4);
  });

  it.skipIf(festivalMissing !== null)(`the bench's voices made from people's recordings (festival here) render at a speed and pitch, text only as text; a missing voice names its package${festivalMissing ? ` (skipped: ${festivalMissing})` : ''}`, () => {
    const slow = render({ text: 'repeat', voice: 'festival:kal_diphone', speed: 150, pitch: 50 });
    const fast = render({ text: 'repeat', voice: 'festival:kal_diphone', speed: 200, pitch: 60, band: 'narrow' });
    const long = (r: typeof slow) => (r.speechEnd - r.speechStart) / SAMPLE_RATE;
    expect(long(slow)).toBeGreaterThan(0.2);
    // sox's tempo: 200 against 150 words a minute is three quarters of the time.
    expect(long(fast) / long(slow)).toBeGreaterThan(0.65);
    expect(long(fast) / long(slow)).toBeLessThan(0.85);
    const marker = join(tmpdir(), `earshot-festival-${process.pid}`);
    render({ text: `$(touch ${marker}) (system "touch ${marker}") \`touch ${marker}\``, voice: 'festival:kal_diphone', speed: 175, pitch: 50 });
    expect(existsSync(marker)).toBe(false);
    expect(() => checkEngineVoices(['festival:kal_diphone', 'en-us'])).not.toThrow();
    expect(() => checkEngineVoices(['festival:ked_diphone_nosuch'])).toThrow(/apt-get install a festival voice ked_diphone_nosuch/);
  });

  it("accented English: each English phone becomes the other language's nearest sound, with the English timing and the contour at the speaker's pitch", () => {
    // festival's English for "hello there" (phones, end times, stress), and two pitch targets.
    const english = {
      segments: [
        { phone: 'pau', end: 0.2, stressed: false },
        { phone: 'hh', end: 0.25, stressed: true },
        { phone: 'ax', end: 0.3, stressed: false },
        { phone: 'l', end: 0.36, stressed: true },
        { phone: 'ow', end: 0.5, stressed: true },
        { phone: 'dh', end: 0.55, stressed: true },
        { phone: 'eh', end: 0.65, stressed: true },
        { phone: 'r', end: 0.7, stressed: true },
        { phone: 'pau', end: 0.9, stressed: false },
      ],
      targets: [[0.21, 100], [0.45, 110]] as [number, number][],
    };
    const italian = accentPhones(english, ACCENT_VOICES['lp_diphone']!);
    // Italian has no h (dropped, its time to the pause before), no schwa, no "th"; "ow" is two sounds; stressed vowels are their own units.
    expect(italian.map((p) => p[0])).toEqual(['#', 'a', 'l', 'o1', 'w', 'd', 'E1', 'r', '#']);
    expect(italian[0]![1]).toBeCloseTo(0.25);
    expect(italian.reduce((t, p) => t + p[1], 0)).toBeCloseTo(0.9);
    expect(italian[3]![1]).toBeCloseTo(0.6 * 0.14);
    // The contour moved to the speaker's pitch (a woman's: twice festival's English man's), where it was (the h's target to the pause).
    expect(italian[0]![2]).toEqual([[expect.closeTo(0.21), 200]]);
    expect(italian[4]![2]).toEqual([[expect.closeTo(0.45 - 0.36 - 0.084), 220]]);
    // Czech and Hindi: w and "th" as their speakers say them.
    expect(accentPhones({ segments: [{ phone: 'w', end: 0.1, stressed: true }, { phone: 'th', end: 0.2, stressed: true }, { phone: 't', end: 0.3, stressed: true }], targets: [] }, ACCENT_VOICES['czech_machac']!).map((p) => p[0])).toEqual(['v', 't', 't']);
    expect(accentPhones({ segments: [{ phone: 'w', end: 0.1, stressed: true }, { phone: 'th', end: 0.2, stressed: true }, { phone: 't', end: 0.3, stressed: true }], targets: [] }, ACCENT_VOICES['hindi_NSK_diphone']!).map((p) => p[0])).toEqual(['v', 'tth', 'T']);
    expect(() => accentPhones({ segments: [{ phone: 'qq', end: 0.1, stressed: false }], targets: [] }, ACCENT_VOICES['lp_diphone']!)).toThrow(/English phone qq/);
  });

  it.skipIf(accentMissing !== null)(`accented English renders in an Italian speaker's voice; only plain words reach festival${accentMissing ? ` (skipped: ${accentMissing})` : ''}`, () => {
    const slow = render({ text: 'acknowledge', voice: 'accent:lp_diphone', speed: 150, pitch: 50 });
    const fast = render({ text: 'acknowledge', voice: 'accent:lp_diphone', speed: 200, pitch: 50 });
    const long = (r: typeof slow) => (r.speechEnd - r.speechStart) / SAMPLE_RATE;
    expect(long(slow)).toBeGreaterThan(0.4);
    expect(long(slow)).toBeLessThan(1.5);
    expect(long(fast) / long(slow)).toBeGreaterThan(0.65);
    expect(long(fast) / long(slow)).toBeLessThan(0.85);
    const marker = join(tmpdir(), `earshot-accent-${process.pid}`);
    expect(() => render({ text: `a") (system "touch ${marker}") ("`, voice: 'accent:lp_diphone', speed: 175, pitch: 50 })).toThrow(/plain words/);
    expect(existsSync(marker)).toBe(false);
    expect(() => checkEngineVoices(['accent:lp_diphone'])).not.toThrow();
    expect(() => checkEngineVoices(['accent:nosuch_diphone'])).toThrow(/nosuch_diphone/);
  });

  it('the VAD finds one word between silences and in pink noise, ends it within 250 ms, and finds nothing in noise alone', () => {
    for (const noise of [undefined, { kind: 'pink' as const, snrDb: 15 }]) {
      const r = render({ text: 'acknowledge', voice: 'en-us', speed: 175, pitch: 50, ...(noise ? { noise } : {}) });
      const segs = segments(r.samples);
      expect(segs).toHaveLength(1);
      const s = segs[0]!;
      expect(Math.abs(s.start - r.speechStart)).toBeLessThan(0.12 * SAMPLE_RATE);
      // (In noise the word's last, weakest sound — the "dge" — may be lost in it: up to 150 ms.)
      expect(Math.abs(s.end - r.speechEnd)).toBeLessThan((noise ? 0.15 : 0.12) * SAMPLE_RATE);
      expect(((s.detectedAt - r.speechEnd) * 1000) / SAMPLE_RATE).toBeLessThan(250);
    }
    for (const kind of ['white', 'pink'] as const) expect(segments(noiseOnly(kind, 3, 0.1))).toEqual([]);
    // Brown noise swells slowly and can pass for speech; the recognizer must then reject it.
    const rec = new CommandRecognizer(enrol('en-us'));
    for (const s of segments(noiseOnly('brown', 3, 0.1))) expect(rec.classify(s.samples).decision).not.toBe('accept');
  });

  it('among other voices (six-talker babble, 15 dB below) a word ends within 300 ms of its end, not when the voices pause', () => {
    const late = { shipped: 0, noPeak: 0 };
    const worst = { shipped: 0, noPeak: 0 };
    let seed = 0;
    for (const voice of ['en-us', 'en-gb', 'en-gb-scotland', 'en-029', 'en-gb-x-rp', 'en-gb-x-gbclan'])
      for (const text of [...COMMANDS, ...COMMANDS]) {
        const r = render({ text, voice, speed: 175, pitch: 50, noise: { kind: 'babble', snrDb: 15, seed: seed++ } });
        for (const [k, options] of [['shipped', {}], ['noPeak', { peakDropDb: 0 }]] as const) {
          const s = segments(r.samples, options).find((x) => !x.tooLong);
          expect(s, `${text} (${voice}) heard`).toBeDefined();
          const ms = ((s!.detectedAt - r.speechEnd) * 1000) / SAMPLE_RATE;
          worst[k] = Math.max(worst[k], ms);
          if (ms > 300) late[k]++;
        }
      }
    // Judged against the quietest moments of the room alone, 12 of the first 20 end late. Also
    // against the room's average level: 7 of these 60, up to 800 ms late (4 of the first 30 until
    // session 19's bench, 1 since — its words keep their soft ends). Also against the word's own
    // peak: none, at most 200 ms.
    expect(late.shipped).toBe(0);
    expect(worst.shipped).toBeLessThan(300);
    expect(late.noPeak).toBeGreaterThanOrEqual(4);
    expect(worst.noPeak).toBeGreaterThan(600);
  });

  it("the VAD's high-pass is a second-order Butterworth: 3 dB down at its corner, 12 dB an octave under it, nothing lost above", () => {
    const gainDb = (hz: number) => {
      const hp = new HighPass(100);
      let power = 0;
      for (let i = 0; i < 2 * SAMPLE_RATE; i++) {
        const y = hp.next(Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE));
        if (i >= SAMPLE_RATE) power += y * y;
      }
      return 10 * Math.log10(power / (SAMPLE_RATE / 2));
    };
    expect(gainDb(100)).toBeCloseTo(-3, 0);
    expect(gainDb(50)).toBeCloseTo(-12.3, 0);
    expect(Math.abs(gainDb(1_000))).toBeLessThan(0.05);
    expect(Math.abs(gainDb(6_000))).toBeLessThan(0.05);
  });

  it('a rumble is not speech: the VAD measures above 100 Hz, where brown noise begins no stretch (measured over the whole band it began dozens)', () => {
    const cut = (highPassHz: number) => [0, 1, 2, 3, 4, 5].flatMap((seed) => segments(noiseOnly('brown', 4, 0.2, seed), { highPassHz })).length;
    expect(cut(VAD_DEFAULTS.highPassHz)).toBe(0);
    expect(cut(0)).toBeGreaterThan(20);
  });

  it('a rumble is not speech: stretches of brown noise a whole-band VAD cuts are refused unheard, every command is voiced', () => {
    for (const c of COMMANDS) for (const band of ['wide', 'narrow'] as const) {
      const r = render({ text: c, voice: 'en-gb', speed: 200, pitch: 50, band, noise: { kind: 'white', snrDb: 10, seed: 5 } });
      const [s] = segments(r.samples);
      expect(voicedFrames(s!.samples), `${c} ${band}`).toBeGreaterThanOrEqual(4);
    }
    const rec = new CommandRecognizer(enrol('en-gb'));
    const reasons: string[] = [];
    for (let seed = 0; seed < 6; seed++)
      for (const s of segments(noiseOnly('brown', 4, 0.2, seed), { highPassHz: 0 })) {
        expect(voicedFrames(s.samples)).toBeLessThanOrEqual(2);
        const d = rec.classify(s.samples);
        // Never compared with the takes: too short to be a word, or not speech.
        expect(d.decision === 'reject' ? d.reason : d.decision).toMatch(/^(not speech|too short)$/);
        reasons.push(d.decision === 'reject' ? d.reason : d.decision);
      }
    expect(reasons.filter((r) => r === 'not speech').length).toBeGreaterThan(3);
  });

  it('an enrolment take is the whole word when the VAD cuts it in two: a stretch that begins within 300 ms of the last joins it, the audio between kept; a later one does not', () => {
    const first = render({ text: 'snooze', voice: 'en-gb', speed: 175, pitch: 50, padBefore: 0.5, padAfter: 0 }).samples;
    const second = render({ text: 'repeat', voice: 'en-gb', speed: 175, pitch: 50, padBefore: 0, padAfter: 0.6 }).samples;
    const said = (gapMs: number) => {
      const x = new Float32Array(first.length + (gapMs * SAMPLE_RATE) / 1000 + second.length);
      x.set(first);
      x.set(second, x.length - second.length);
      return x;
    };
    const cut = (x: Float32Array, chunk: number) => {
      const cutter = new TakeCutter();
      for (let at = 0; at < x.length; at += chunk) {
        const take = cutter.push(x.subarray(at, at + chunk));
        if (take) return { take, at };
      }
      return { take: cutter.finish(), at: x.length };
    };
    // 250 ms of silence: longer than the VAD's hangover, so it hears two stretches.
    const near = said(250);
    expect(segments(near).filter((s) => !s.tooLong)).toHaveLength(2);
    const [firstOnly] = segments(near);
    const whole = cut(near, SAMPLE_RATE / 50);
    // From the first stretch's preroll to 50 ms after the second's speech, the silence between included.
    expect(whole.take!.length).toBeGreaterThan(firstOnly!.samples.length + 0.25 * SAMPLE_RATE + second.length - 0.7 * SAMPLE_RATE);
    expect(Array.from(whole.take!.subarray(0, firstOnly!.samples.length))).toEqual(Array.from(firstOnly!.samples));
    // Fed at once, the same take.
    expect(Array.from(cut(near, near.length).take!)).toEqual(Array.from(whole.take!));
    // 600 ms apart: two things said; the take is the first, as soon as the gap has passed.
    const far = said(600);
    const alone = cut(far, SAMPLE_RATE / 50);
    expect(Array.from(alone.take!)).toEqual(Array.from(segments(far)[0]!.samples));
    expect(alone.at).toBeLessThan(first.length + 0.4 * SAMPLE_RATE);
  });

  it('a long sentence is cut off as too long, never taken for a command', () => {
    const r = render({ text: 'did anyone page the network team about the database failover this morning', voice: 'en-us', speed: 150, pitch: 50 });
    const rec = new CommandRecognizer(enrol('en-us'));
    for (const s of segments(r.samples)) {
      const d = s.tooLong ? ({ decision: 'reject' } as const) : rec.classify(s.samples);
      expect(d.decision).not.toBe('accept');
    }
  });

  it("in noise, the room's own noise is subtracted: a near word stands further from the command than with the word's own quietest frames as the noise", () => {
    // A take of "snooze", and in white noise 10 dB down "snooze" said otherwise and "sneeze".
    const take = render({ text: 'snooze', voice: 'en-gb', speed: 175, pitch: 50, padBefore: 0.1, padAfter: 0.05 });
    const heard = (text: string) => render({ text, voice: 'en-gb', speed: 160, pitch: 45, noise: { kind: 'white', snrDb: 10, seed: 3 } });
    const cut = (r: ReturnType<typeof render>) => r.samples.subarray(r.speechStart - 1600, r.speechEnd + 3000);
    const said = heard('snooze');
    const near = heard('sneeze');
    const room = said.samples.subarray(0, said.speechStart - 1600);
    // The take as heard in that room (as the recognizer mixes it: at the utterance's SNR in the features' band, the room's power taken off the speech's).
    const roomMels = meanMelPower(room);
    const roomPower = roomMels.reduce((a, v) => a + v, 0);
    const gain = Math.sqrt(bandPower(melPowers(take.samples)) / (bandPower(melPowers(cut(said))) - roomPower));
    const noisyTake = Float32Array.from(take.samples, (v, i) => v + gain * (room[i % room.length] as number));
    const apart = (noise?: Float64Array) => dtw(mfcc(cut(near), noise), mfcc(noisyTake, noise && noise.map((v) => v * gain * gain))) / dtw(mfcc(cut(said), noise), mfcc(noisyTake, noise && noise.map((v) => v * gain * gain)));
    const withRoom = apart(roomMels);
    expect(withRoom).toBeGreaterThan(1);
    expect(withRoom).toBeGreaterThan(apart() * 2);
  });

  it('the takes mixed with the room by their spectra are the takes mixed by their samples; one alignment gives both distance and worst stretch', () => {
    const take = render({ text: 'snooze', voice: 'en-gb', speed: 175, pitch: 50 }).samples;
    const room = noiseOnly('pink', 0.5, 0.05, 3);
    const bed = Float32Array.from({ length: take.length + 1234 }, (_, i) => room[i % room.length] as number);
    const gain = 0.7;
    const byMix = melPowers(Float32Array.from(take, (v, i) => v + gain * (bed[i] as number)));
    const bySpectra = melPowersOfMix(spectra(take), spectra(bed), gain);
    expect(bySpectra.length).toBe(byMix.length);
    let worst = 0;
    byMix.forEach((frame, f) => frame.forEach((v, m) => (worst = Math.max(worst, Math.abs(v - (bySpectra[f]![m] as number)) / (v + 1e-9)))));
    expect(worst).toBeLessThan(1e-4);
    expect(() => melPowersOfMix(spectra(bed), spectra(take), gain)).toThrow(/shorter/);
    // The same for the two bands' powers (the hiss measure, bandPowers).
    const bandsByMix = bandPowers(spectra(Float32Array.from(take, (v, i) => v + gain * (bed[i] as number))));
    const bandsBySpectra = bandPowers(spectra(take), { b: spectra(bed), gain });
    for (const k of ['mid', 'high'] as const) bandsByMix[k].forEach((v, f) => expect(Math.abs(v - (bandsBySpectra[k][f] as number)) / (v + 1e-9)).toBeLessThan(1e-4));
    expect(() => bandPowers(spectra(bed), { b: spectra(take), gain })).toThrow(/shorter/);
    const other = mfcc(render({ text: 'snooze', voice: 'en-gb', speed: 150, pitch: 45 }).samples);
    const both = dtwAlignment(mfcc(take), other);
    expect(both.distance).toBe(dtw(mfcc(take), other));
  });

  it("the microphone's gain does not matter: heard 6 dB louder or softer than at enrolment, in a noisy room, every decision is the same", () => {
    const voice = 'en-gb';
    const recognizer = new CommandRecognizer(enrol(voice));
    const scaled = (x: Float32Array, by: number) => Float32Array.from(x, (v) => v * by);
    let compared = 0;
    for (const text of ['snooze', 'cancel', 'sneeze'])
      for (const kind of ['pink', 'white'] as const) {
        const r = render({ text, voice, speed: 160, pitch: 45, noise: { kind, snrDb: 10, seed: 5 } });
        const [s] = segments(r.samples);
        const room = r.samples.subarray(0, s!.start - 1600);
        const base = recognizer.classify(s!.samples, room);
        for (const by of [0.5, 2]) {
          const heard = recognizer.classify(scaled(s!.samples, by), scaled(room, by));
          expect(heard.decision).toBe(base.decision);
          expect(heard.command).toBe(base.command);
          // The same measures, not merely the same verdict (the room subtracted from a take was once the room as heard, not as mixed in).
          expect(Math.abs(heard.score! - base.score!)).toBeLessThan(1e-6);
          expect(Math.abs(heard.peak! / base.peak! - 1)).toBeLessThan(1e-6);
          compared++;
        }
      }
    expect(compared).toBe(12);
  });

  it('takes said in a noisy room: in noise, the room each was said in is subtracted from it too, and near words stand further from the commands', () => {
    const voice = 'en-gb';
    let seed = 50;
    const cutTake = (text: string, speed: number, pitch: number) => {
      const r = render({ text, voice, speed, pitch, noise: { kind: 'pink', snrDb: 15, seed: seed++ } });
      return encodePcm(r.samples.subarray(Math.max(0, r.speechStart - 1600), r.speechEnd + 800));
    };
    const noisy = enrolmentSchema.parse({ version: 1, sampleRate: SAMPLE_RATE, takes: COMMANDS.flatMap((command) => [[165, 45], [175, 50], [185, 55]].map(([speed, pitch]) => ({ command, pcm: cutTake(command, speed!, pitch!) }))) });
    const both = new CommandRecognizer(noisy);
    const mixedOnly = new CommandRecognizer(noisy, { takesOwnRoom: false });
    expect(RECOGNIZER_DEFAULTS.takesOwnRoom).toBe(true);
    // Summed scores (a rejected "too short" counts -10): near words and commands, in white and pink noise 10 dB down.
    const margin = { both: 0, mixedOnly: 0, bothC: 0, mixedC: 0 };
    for (const text of ['candle', 'revolve', 'result', 'snow', 'knowledge', 'council', 'repeal', 'sneeze', ...COMMANDS])
      for (const kind of ['pink', 'white'] as const) {
        const r = render({ text, voice, speed: 175, pitch: 50, noise: { kind, snrDb: 10, seed: seed++ } });
        const [s] = segments(r.samples);
        const room = r.samples.subarray(0, s!.start - 1600);
        const cmd = (COMMANDS as readonly string[]).includes(text);
        margin[cmd ? 'bothC' : 'both'] += both.classify(s!.samples, room).score ?? -10;
        margin[cmd ? 'mixedC' : 'mixedOnly'] += mixedOnly.classify(s!.samples, room).score ?? -10;
      }
    // Near words score lower, commands higher: they stand further apart (here by 0.5 score units on average).
    expect(margin.both).toBeLessThan(margin.mixedOnly - 1);
    expect(margin.bothC).toBeGreaterThan(margin.mixedC + 1);
    // Takes said in a silent room have no room of their own: nothing changes for them.
    const quiet = new CommandRecognizer(enrol(voice));
    const quietMixedOnly = new CommandRecognizer(enrol(voice), { takesOwnRoom: false });
    const r = render({ text: 'cancel', voice, speed: 160, pitch: 45, noise: { kind: 'white', snrDb: 10, seed: 1 } });
    const [s] = segments(r.samples);
    expect(quiet.classify(s!.samples, r.samples.subarray(0, s!.start - 1600)).score).toBe(quietMixedOnly.classify(s!.samples, r.samples.subarray(0, s!.start - 1600)).score);
  });

  it('the speech-to-noise ratio the takes are mixed at is the one the features see: in their band, the room taken off the speech', () => {
    const voice = 'en-gb';
    const recognizer = new CommandRecognizer(enrol(voice));
    for (const band of ['narrow', 'wide'] as const)
      for (const kind of ['white', 'pink'] as const) {
        const spec = { text: 'resolve', voice, speed: 175, pitch: 50, band } as const;
        const noisy = render({ ...spec, noise: { kind, snrDb: 10, seed: 4 } });
        const clean = render(spec).samples;
        const [s] = segments(noisy.samples);
        const at = s!.from;
        const speech = clean.subarray(at, at + s!.samples.length);
        const noise = Float32Array.from(noisy.samples.subarray(at, at + s!.samples.length), (v, i) => v - (speech[i] as number));
        // The truth, from the parts before they were mixed: speech and noise power in the features' band.
        const truth = 10 * Math.log10(bandPower(melPowers(speech)) / meanMelPower(noise).reduce((a, v) => a + v, 0));
        const d = recognizer.classify(s!.samples, noisy.samples.subarray(0, s!.start - 1600));
        expect(Math.abs(d.snrDb! - truth), `${band} band, ${kind} noise: heard ${d.snrDb!.toFixed(1)} dB, truth ${truth.toFixed(1)} dB`).toBeLessThan(1.5);
      }
  });

  it('"candle" is not "cancel" where the link carries the hiss: the "s" the takes have and the word lacks counts against it (over a narrowband link, nothing is concluded)', () => {
    // In pink and white noise 10 dB down, in the features' band (up to 3.4 kHz) "candle" is "cancel"
    // but for the "s", whose power lies above 4 kHz; the keyword model took it for cancel at p = 0.97–0.99.
    const model = loadKeywordModel();
    const none = { acknowledge: 0, snooze: 0, resolve: 0, repeat: 0, cancel: 0 };
    const deaf = { templates: { ...RECOGNIZER_DEFAULTS.templates, highBand: none, noHighBand: none }, withModel: { ...RECOGNIZER_DEFAULTS.withModel, highBand: none, noHighBand: none } };
    const counts = { candle: 0, deaf: 0, cancel: 0 };
    for (const voice of ['en-gb', 'en-us']) {
      const enrolment = enrol(voice);
      const rec = new CommandRecognizer(enrolment, {}, model);
      const without = new CommandRecognizer(enrolment, deaf, model);
      for (const kind of ['pink', 'white'] as const)
        for (const seed of [1, 2])
          for (const band of ['wide', 'narrow'] as const) {
            const heard = (text: string) => {
              const r = render({ text, voice, speed: 175, pitch: 50, band, noise: { kind, snrDb: 10, seed } });
              const [s] = segments(r.samples);
              const room = r.samples.subarray(0, s!.start - 1600);
              return { d: rec.classify(s!.samples, room), deaf: without.classify(s!.samples, room) };
            };
            const near = heard('candle');
            const said = heard('cancel');
            const where = `${voice}, ${kind}, seed ${seed}, ${band}`;
            if (band === 'narrow') {
              // Nothing above 3.4 kHz on the link: nothing measured, and the rule's line for such a link
              // is all that differs from the rule without the hiss.
              expect(near.d.highBand, where).toBeNull();
              expect(said.d.highBand, where).toBeNull();
              const rule = near.d.by === 'model' ? RECOGNIZER_DEFAULTS.withModel : RECOGNIZER_DEFAULTS.templates;
              expect(near.d.score! - near.deaf.score!, where).toBeCloseTo(rule.noHighBand[near.d.command!], 9);
              continue;
            }
            expect(near.d.highBand, where).toBeGreaterThan(0.8);
            expect(said.d.highBand, where).toBeLessThan(0.3);
            if (near.d.decision === 'accept') counts.candle++;
            if (near.deaf.decision === 'accept') counts.deaf++;
            if (said.d.decision === 'accept' && said.d.command === 'cancel') counts.cancel++;
          }
    }
    expect(counts.candle).toBe(0); // of 8
    expect(counts.deaf).toBeGreaterThanOrEqual(3); // the same rule with its hiss terms at 0: 3 of 8
    expect(counts.cancel).toBe(8);
  });

  it("a word whose soft end the VAD lost in noise still lines up with the takes: their tail is left over, not crammed into the word's last frame", () => {
    // "resolve" said slowly in white noise 10 dB down: its final "v" drowns and the VAD ends the
    // stretch 50 ms or more before the word ends. The take (a quiet room) still has it. (Over the 8 kHz
    // band it did too while the bench added the room's noise above that band; heard through the link,
    // the room loses that part as the speech does, and the VAD keeps the word.)
    const voice = 'en-gb';
    const enrolment = enrol(voice);
    // As the app runs it: with the shipped keyword model as a second opinion.
    const model = loadKeywordModel();
    const open = new CommandRecognizer(enrolment, {}, model);
    const shut = new CommandRecognizer(enrolment, { endSlack: 0 }, model);
    expect(RECOGNIZER_DEFAULTS.endSlack).toBeGreaterThan(0);
    const heard = (text: string, seed: number) => {
      const r = render({ text, voice, speed: 150, pitch: 50, noise: { kind: 'white', snrDb: 10, seed } });
      const [s] = segments(r.samples);
      const room = r.samples.subarray(0, s!.start - 1600);
      return { lost: (r.speechEnd - s!.end) / SAMPLE_RATE, open: open.classify(s!.samples, room), shut: shut.classify(s!.samples, room) };
    };
    // (Seeds 1–3 until session 19; since the bench keeps a word's soft end and cuts takes as the app
    // does, seed 1's word is accepted without the slack too: seeds 2–4, each of which still needs it.)
    for (const seed of [2, 3, 4]) {
      const said = heard('resolve', seed);
      expect(said.lost).toBeGreaterThanOrEqual(0.05);
      expect(said.open.command).toBe('resolve');
      // Crammed into one frame, the take's tail was the worst stretch of the alignment by far.
      expect(said.open.peak!).toBeLessThan(said.shut.peak! / 2);
      expect(said.open.decision).toBe('accept');
      expect(said.shut.decision).not.toBe('accept');
      // The near word still differs where it differs: its worst stretch stays worse than the command's.
      const near = heard('revolve', seed);
      expect(near.open.peak!).toBeGreaterThan(said.open.peak! * 1.3);
      expect(near.open.decision).not.toBe('accept');
    }
  });

  it.skipIf(festivalMissing !== null)(`a soft first sound is compared, not trimmed away: the "s" of "snooze" in a voice made from a man's recordings (festival's kal), 20–30 dB under its vowel, starts every take's features${festivalMissing ? ` (skipped: ${festivalMissing})` : ''}`, () => {
    // The takes begin 100 ms before the speech (espeakEnrolment). Trimmed at 25 dB under the loudest
    // frame, as until session 18, one take began 30 ms into its "s", the others at its start.
    const { takes } = espeakEnrolment('festival:kal_diphone', ['snooze']);
    expect(takes).toHaveLength(3);
    for (const take of takes) {
      const span = { from: 0, to: 0 };
      mfccFromMels(melPowers(decodePcm(take.pcm)), undefined, span);
      expect(span.from * HOP).toBeGreaterThanOrEqual(1_600 - 2 * HOP);
      expect(span.from * HOP).toBeLessThanOrEqual(1_600);
    }
  });

  it.skipIf(missing !== null || fliteMissing !== null)(`a woman's voice made from her recordings (flite's slt) says "snooze" higher than she enrolled it, in a quiet room: recognised — its "s" kept in every take and in the word alike${fliteMissing ? ` (skipped: ${fliteMissing})` : ''}`, () => {
    // With the trim at 25 dB the "s" (21–33 dB under the vowel here) was kept in some takes and cut from
    // the word said 100 cents higher: both refused (session 17's bench, the people set). Over an 8 kHz
    // link the "s" loses what the band's edge takes from it and the word is refused still, as it was.
    const rec = new CommandRecognizer(enrol('flite:slt'));
    for (const speed of [150, 200]) {
      const r = render({ text: 'snooze', voice: 'flite:slt', speed, pitch: 60 });
      const [s] = segments(r.samples);
      const d = rec.classify(s!.samples);
      expect(d.decision === 'reject' ? null : d.command, String(speed)).toBe('snooze');
      expect(d.decision, String(speed)).toBe('accept');
    }
  });

  it('recognises each enrolled command said a little differently, and rejects other words and noise', () => {
    const rec = new CommandRecognizer(enrol('en-gb'));
    expect(rec.enrolled).toEqual([...COMMANDS]);
    for (const c of COMMANDS) {
      const r = render({ text: c, voice: 'en-gb', speed: 170, pitch: 52 });
      const [s] = segments(r.samples);
      const d = rec.classify(s!.samples);
      expect(d.decision === 'reject' ? null : d.command, c).toBe(c);
      expect(d.decision, c).not.toBe('reject');
    }
    for (const w of ['hello', 'coffee', 'deploy', 'the build is green']) {
      const r = render({ text: w, voice: 'en-gb', speed: 175, pitch: 50 });
      for (const s of segments(r.samples)) expect(rec.classify(s.samples).decision, w).not.toBe('accept');
    }
    expect(new CommandRecognizer({ version: 1, sampleRate: SAMPLE_RATE, takes: [] }).classify(new Float32Array(8000))).toEqual({ decision: 'reject', reason: 'not enrolled' });
  });

  it.skipIf(msbcMissing !== null)(`over a headset's Bluetooth link (the real mSBC codec) every command is still recognised, other words are not${msbcMissing ? ` (skipped: ${msbcMissing})` : ''}`, () => {
    // The link is the codec, not a pass-through: its own delay (73 samples, 4.6 ms) and its quantisation.
    const clean = render({ text: 'snooze', voice: 'en-us', speed: 170, pitch: 52 }).samples;
    const coded = throughMsbc(clean);
    expect(coded.length).toBe(clean.length);
    let best = { corr: 0, lag: 0 };
    for (let lag = 0; lag < 200; lag++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i + lag < coded.length; i++) {
        xy += clean[i]! * coded[i + lag]!;
        xx += clean[i]! ** 2;
        yy += coded[i + lag]! ** 2;
      }
      if (xy / Math.sqrt(xx * yy) > best.corr) best = { corr: xy / Math.sqrt(xx * yy), lag };
    }
    expect(best.lag).toBeGreaterThan(40);
    expect(best.lag).toBeLessThan(120);
    expect(best.corr).toBeGreaterThan(0.98);
    expect(best.corr).toBeLessThan(0.99999);
    // Takes recorded over the same link, as a user with the headset on would.
    const rec = new CommandRecognizer(espeakEnrolment('en-gb', COMMANDS, 'msbc'));
    for (const c of COMMANDS) {
      const [s] = segments(render({ text: c, voice: 'en-gb', speed: 170, pitch: 52, mic: 'msbc' }).samples);
      const d = rec.classify(s!.samples);
      expect(d.decision === 'reject' ? null : d.command, c).toBe(c);
    }
    for (const w of ['hello', 'deploy', 'the build is green']) {
      for (const s of segments(render({ text: w, voice: 'en-gb', speed: 175, pitch: 50, mic: 'msbc' }).samples)) expect(rec.classify(s.samples).decision, w).not.toBe('accept');
    }
  });

  it('how sure before acting: "strict" accepts fewer commands in noise than "normal", "lenient" more; the rules move only their accept line', () => {
    for (const rule of ['templates', 'withModel'] as const) {
      const [strict, normal, lenient] = (['strict', 'normal', 'lenient'] as const).map((level) => sensitivityOptions(level)[rule]);
      expect(normal).toEqual(RECOGNIZER_DEFAULTS[rule]);
      expect(strict!.accept).toBeGreaterThan(normal!.accept);
      expect(lenient!.accept).toBeLessThan(normal!.accept);
      for (const r of [strict!, lenient!]) {
        expect(r.unsure).toBeLessThanOrEqual(r.accept);
        expect(r.weights).toEqual(normal!.weights);
      }
    }
    // Your takes alone, commands said among other voices (six-talker babble 15 dB below them): how many are acted on.
    const takes = enrol('en-gb');
    const accepted = Object.fromEntries(
      (['strict', 'normal', 'lenient'] as const).map((level) => {
        const rec = new CommandRecognizer(takes, sensitivityOptions(level));
        let n = 0;
        let seed = 0;
        for (const c of COMMANDS)
          for (const speed of [150, 200]) {
            const r = render({ text: c, voice: 'en-gb', speed, pitch: 45, noise: { kind: 'babble', snrDb: 15, seed: seed++ } });
            const noise = r.samples.subarray(0, r.speechStart - 1600);
            for (const s of segments(r.samples)) {
              const d = rec.classify(s.samples, noise);
              if (d.decision === 'accept' && d.command === c) n++;
            }
          }
        return [level, n];
      }),
    );
    expect(accepted['strict']).toBeLessThan(accepted['lenient']!);
    expect(accepted['strict']).toBeLessThanOrEqual(accepted['normal']!);
    expect(accepted['normal']).toBeLessThanOrEqual(accepted['lenient']!);
  });

  it('points out a take to record again: the wrong word said, a take unlike the others, or one said where it was loud', () => {
    const good = enrol('en-gb');
    expect(new CommandRecognizer(good).takeProblems()).toEqual([]);
    // Take 2 of a word replaced by something else the user might have said.
    const swap = (command: string, text: string) => {
      const at = good.takes.findIndex((t) => t.command === command) + 1;
      const r = render({ text, voice: 'en-gb', speed: 175, pitch: 45 });
      const pcm = encodePcm(r.samples.subarray(Math.max(0, r.speechStart - 1600), r.speechEnd + 800));
      return { ...good, takes: good.takes.map((t, i) => (i === at ? { ...t, pcm } : t)) };
    };
    expect(new CommandRecognizer(swap('repeat', 'resolve')).takeProblems()).toEqual([{ command: 'repeat', take: 1, problem: 'like-other', other: 'resolve' }]);
    for (const [command, text] of [['cancel', 'hello'], ['snooze', 'snow']] as const) {
      const problems = new CommandRecognizer(swap(command, text)).takeProblems();
      expect(problems, `${command} said as ${text}`).toHaveLength(1);
      expect(problems[0], `${command} said as ${text}`).toMatchObject({ command, take: 1 });
    }
    // The right word, said where it was loud: cut by the VAD as the panel records a take (its 100 ms
    // from before the speech is the room).
    const saidIn = (noise: { kind: 'babble' | 'pink'; snrDb: number }) => {
      const at = good.takes.findIndex((t) => t.command === 'snooze') + 1;
      const r = render({ text: 'snooze', voice: 'en-gb', speed: 175, pitch: 45, noise: { ...noise, seed: 7 } });
      const overlap = (x: { start: number; end: number }) => Math.min(x.end, r.speechEnd) - Math.max(x.start, r.speechStart);
      const cut = segments(r.samples).sort((a, b) => overlap(b) - overlap(a))[0]!;
      return { ...good, takes: good.takes.map((t, i) => (i === at ? { ...t, pcm: encodePcm(cut.samples) } : t)) };
    };
    const amongVoices = new CommandRecognizer(saidIn({ kind: 'babble', snrDb: 20 })).takeProblems();
    expect(amongVoices).toEqual([{ command: 'snooze', take: 1, problem: 'noisy', snrDb: expect.any(Number) }]);
    expect((amongVoices[0] as { snrDb: number }).snrDb).toBeLessThan(NOISY_TAKE_SNR_DB);
    expect(new CommandRecognizer(saidIn({ kind: 'pink', snrDb: 40 })).takeProblems(), 'a quiet hum is no problem').toEqual([]);
  });

  it('with the keyword model: a voice it does not know is decided by its own takes where the model doubts them', () => {
    // espeak's shelby is none of the voices the model was trained on; the model takes this user's
    // own "resolve" and "cancel" for something else (p < 0.1), and would make the rule refuse them.
    const model = loadKeywordModel(SHIPPED_MODEL);
    const voice = 'en-us+shelby';
    const heard = (modelTrust: number) => {
      const rec = new CommandRecognizer(enrol(voice), { modelTrust }, model);
      const said = COMMANDS.flatMap((c) => ([[150, 40], [200, 60]] as const).map(([speed, pitch]) => ({ c, d: rec.classify(segments(render({ text: c, voice, speed, pitch }).samples)[0]!.samples) })));
      const others = ['hello', 'the build is green', 'result', 'council', 'revolve', 'report'].flatMap((w) => segments(render({ text: w, voice, speed: 175, pitch: 50 }).samples).map((s) => rec.classify(s.samples)));
      return { said, others };
    };
    const trusted = heard(0.9);
    for (const { c, d } of trusted.said) {
      expect(d.decision === 'accept' ? d.command : d.decision, c).toBe(c);
      expect(d.by, c).toBe((d.takesModel?.command ?? 0) >= 0.9 ? 'model' : 'takes');
      if (c === 'resolve' || c === 'cancel') expect(d.by, c).toBe('takes');
      if (c === 'acknowledge' || c === 'repeat') expect(d.by, c).toBe('model');
    }
    for (const d of trusted.others) expect(d.decision).not.toBe('accept');
    // Trusting the model whatever it makes of the takes (the earlier rule): its doubt costs every one of
    // them score, and half are not acted on (with session 16's rule all four were refused; since the hiss
    // measure the rule weighs the model less against takes that match this well).
    const always = heard(0);
    let refused = 0;
    for (const [k, { c, d }] of always.said.entries())
      if (c === 'resolve' || c === 'cancel') {
        expect(d.score!, c).toBeLessThan(trusted.said[k]!.d.score! - 2);
        if (d.decision !== 'accept') refused++;
      }
    expect(refused).toBeGreaterThanOrEqual(2); // of 4
  });

  it('enrolment from storage is validated: a tampered entry is refused with the field named', () => {
    const bad = enrolmentSchema.safeParse({ version: 1, sampleRate: SAMPLE_RATE, takes: [{ command: 'format-disk', pcm: 'AAAA' }] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues[0]?.path)).toBe('["takes",0,"command"]');
  });
});

describe.skipIf(missing !== null)('the listening window', () => {
  function setup() {
    let now = 0;
    const timers = new Map<number, { at: number; fn: () => void }>();
    let next = 1;
    const clock = {
      now: () => now,
      setTimer: (fn: () => void, ms: number) => (timers.set(next, { at: now + ms, fn }), next++),
      clearTimer: (h: unknown) => void timers.delete(h as number),
    };
    const advance = (ms: number) => {
      now += ms;
      for (const [id, t] of [...timers])
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
    };
    const enrolment = enrol('en-us');
    let enabled = true;
    const rec = new CommandRecognizer(enrolment);
    const listener = new VoiceListener(() => (enabled ? rec : null), clock, { windowMs: 6_000 });
    const events: ListenerEvent[] = [];
    listener.on((e) => events.push(e));
    const feed = (x: Float32Array) => {
      for (let i = 0; i < x.length; i += 320) {
        listener.push(x.subarray(i, i + 320));
        advance(20);
      }
    };
    return { listener, events, feed, advance, disable: () => (enabled = false) };
  }

  it('hears nothing outside a window; inside, a command acts on the incident the window is about', () => {
    const t = setup();
    const word = render({ text: 'acknowledge', voice: 'en-us', speed: 170, pitch: 48 }).samples;
    t.feed(word);
    expect(t.events).toEqual([]); // not listening: not even heard
    t.listener.start(42, 'announcement');
    t.feed(word);
    const kinds = t.events.map((e) => e.type);
    expect(kinds).toEqual(['listening', 'heard', 'stopped', 'command']);
    expect(t.events.at(-1)).toEqual({ type: 'command', command: 'acknowledge', incidentId: 42, test: false });
    expect(t.listener.listening).toBe(false); // one command per window
  });

  it('the room noise handed to the recognizer is from before the speech, never its onset', () => {
    const seen: Float32Array[] = [];
    const spy = { classify: (_u: Float32Array, noise: Float32Array) => (seen.push(noise), { decision: 'reject' as const, reason: 'no match' as const }) };
    const listener = new VoiceListener(() => spy as unknown as CommandRecognizer, { now: () => 0, setTimer: () => 0, clearTimer: () => undefined });
    const r = render({ text: 'acknowledge', voice: 'en-us', speed: 175, pitch: 50, noise: { kind: 'pink', snrDb: 20 }, padBefore: 1 });
    listener.start(1);
    for (let i = 0; i < r.samples.length + SAMPLE_RATE; i += 320) listener.push(i < r.samples.length ? r.samples.subarray(i, i + 320) : new Float32Array(320));
    expect(seen).toHaveLength(1);
    const noise = seen[0]!;
    expect(noise.length).toBe(SAMPLE_RATE / 2); // 500 ms of room
    const peak = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak(noise)).toBeLessThan(peak(r.samples.subarray(0, r.speechStart)) * 1.01); // as loud as the room, not the word
  });

  it('a stretch that follows a rejected one within 300 ms is also heard joined to it, the pause between included; after a longer pause it is not', () => {
    const word = render({ text: 'snooze', voice: 'en-us', speed: 175, pitch: 50, padBefore: 0, padAfter: 0 }).samples;
    const heardLengths = (pauseMs: number) => {
      const lengths: number[] = [];
      const spy = { classify: (u: Float32Array) => (lengths.push(u.length), { decision: 'reject' as const, reason: 'no match' as const }) };
      const listener = new VoiceListener(() => spy as unknown as CommandRecognizer, { now: () => 0, setTimer: () => 0, clearTimer: () => undefined });
      const pause = Math.round((pauseMs * SAMPLE_RATE) / 1000);
      const audio = new Float32Array(SAMPLE_RATE / 2 + 2 * word.length + pause + SAMPLE_RATE);
      audio.set(word, SAMPLE_RATE / 2);
      audio.set(word, SAMPLE_RATE / 2 + word.length + pause);
      listener.start(1);
      for (let i = 0; i < audio.length; i += 320) listener.push(audio.subarray(i, i + 320));
      return lengths;
    };
    const near = heardLengths(250);
    expect(near).toHaveLength(3); // the first, the second, and both together
    const [first, second, both] = near as [number, number, number];
    // Longer than the two pieces together: the pause between them is in it.
    expect(both).toBeGreaterThan(first + second);
    // And no more than both words, the pause, and the first piece's preroll and the second's tail (with some slack).
    expect(both).toBeLessThan(2 * word.length + 0.25 * SAMPLE_RATE + 0.2 * SAMPLE_RATE);
    expect(heardLengths(600)).toHaveLength(2);
  });

  it('other speech does nothing and the window times out; switched off or not enrolled, it never opens', () => {
    const t = setup();
    t.listener.start(7);
    t.feed(render({ text: 'coffee', voice: 'en-us', speed: 175, pitch: 50 }).samples);
    expect(t.events.filter((e) => e.type === 'command')).toEqual([]);
    t.advance(6_000);
    expect(t.events.at(-1)).toEqual({ type: 'stopped', why: 'timeout' });
    t.disable();
    t.listener.start(8);
    expect(t.listener.listening).toBe(false);
  });
});
