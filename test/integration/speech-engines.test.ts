/** The real espeak-ng and festival binaries: hostile text is spoken, never executed; audio is real. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendName } from '../../electron/speech/backends';
import { festivalVoices, findExecutable, NoSpeechEngineError, SpeechEngine } from '../../electron/speech/engine';
import { hostileStrings } from '../helpers/hostile';
import { soxMissing, soxStat } from '../helpers/sox';

const work = mkdtempSync(join(tmpdir(), 'earshot-speech-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

for (const name of ['espeak-ng', 'festival'] as BackendName[]) {
  const missing = findExecutable(BACKENDS[name].executable) ? soxMissing() : `${BACKENDS[name].executable} not installed (apt-get install ${name})`;
  if (missing && process.env['CI']) throw new Error(`CI must have ${name} and sox: ${missing}`);

  describe.skipIf(missing !== null)(`${name} (real binary)${missing ? ` — skipped: ${missing}` : ''}`, () => {
    const engine = new SpeechEngine(BACKENDS[name], name === 'festival' ? { voice: 'kal_diphone' } : { voice: 'en-us' });

    it('speaks hostile text literally: nothing executes, no file appears', { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(work, `${name}-`));
      const canary = join(dir, 'CANARY');
      for (const [i, text] of hostileStrings(canary).entries()) {
        const out = join(dir, `h${i}.wav`);
        await engine.synthesize(text, out);
        expect(existsSync(canary), text.slice(0, 60)).toBe(false);
      }
      // Only the WAVs we asked for exist: no option was taken from the text (e.g. "-w CANARY").
      expect(readdirSync(dir).filter((f) => !/^h\d+\.wav$/.test(f))).toEqual([]);
    });

    it('survives random punctuation and quotes (festival crashed on some before they were filtered)', { timeout: 120_000 }, async () => {
      let seed = 11;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const alphabet = ['"', "'", ';', '.', '-', ',', ':', '!', '?', '(', ')', ' ', ' ', 'a', 'calc', '`', '$', '\\'];
      for (let i = 0; i < 40; i++) {
        const text = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
        await expect(engine.synthesize(text, join(work, `${name}-p${i}.wav`)), JSON.stringify(text)).resolves.toBeUndefined();
      }
    });

    it('writes non-silent audio whose length grows with the text', { timeout: 60_000 }, async () => {
      const short = join(work, `${name}-short.wav`);
      const long = join(work, `${name}-long.wav`);
      await engine.synthesize('Critical. Disk almost full on db-1. Incident 42.', short);
      await engine.synthesize('Critical. Disk almost full on db-1. Incident 42. The database volume is at 97 percent and growing by one gigabyte per hour. Please look now.', long);
      const a = soxStat(short);
      const b = soxStat(long);
      expect(a.rms).toBeGreaterThan(0.01);
      expect(a.seconds).toBeGreaterThan(1.5);
      expect(b.seconds).toBeGreaterThan(a.seconds * 1.8);
      console.log(`${name}: short ${a.seconds.toFixed(2)} s (RMS ${a.rms}), long ${b.seconds.toFixed(2)} s (RMS ${b.rms})`);
    });

    it('can be stopped mid-sentence', async () => {
      const running = new SpeechEngine(BACKENDS[name]).speak('This is a long sentence that will be cut off long before it ends. '.repeat(20));
      setTimeout(() => running.stop(), 200);
      await running.done; // resolves (stopped), does not hang or reject
    });
  });
}

describe('engine selection', () => {
  it('names what to install when no engine is there', () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(() => SpeechEngine.detect(undefined, {}, 'linux')).toThrow(NoSpeechEngineError);
      expect(() => SpeechEngine.detect(undefined, {}, 'linux')).toThrow(/install espeak-ng \(apt-get install espeak-ng\) or festival/);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('a festival without a voice (it exits 0 and writes an empty file) is named, with what to install', async () => {
    // Debian's festival under --no-install-recommends: this is what its text2wave prints.
    const bin = mkdtempSync(join(work, 'novoice-'));
    writeFileSync(
      join(bin, 'text2wave'),
      '#!/bin/sh\ncat >/dev/null\necho \'"Could not find any of these voices:"\' >&2\necho \'No default voice found in ("/usr/share/festival/voices/")\' >&2\n: > "$2"\nexit 0\n',
      { mode: 0o755 },
    );
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path ?? ''}`;
    try {
      const engine = new SpeechEngine(BACKENDS.festival, { voice: 'kal_diphone' });
      await expect(engine.synthesize('Incident 42.', join(bin, 'out.wav'))).rejects.toThrow(/festival has no voice installed: install one \(apt-get install festvox-kallpc16k\)/);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('left to choose, skips a festival with no voice installed and says so; with one, or chosen by the user, takes it', () => {
    const prefix = mkdtempSync(join(work, 'festival-'));
    mkdirSync(join(prefix, 'bin'));
    mkdirSync(join(prefix, 'share', 'festival', 'voices'), { recursive: true });
    writeFileSync(join(prefix, 'bin', 'festival'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const path = process.env['PATH'];
    process.env['PATH'] = join(prefix, 'bin'); // no espeak-ng here
    try {
      expect(festivalVoices(join(prefix, 'bin', 'festival'))).toBe(0);
      expect(() => SpeechEngine.detect(undefined, {}, 'linux')).toThrow(/festival is there but has no voice installed\). On Linux install espeak-ng \(apt-get install espeak-ng\) or a festival voice \(apt-get install festvox-kallpc16k\)/);
      expect(SpeechEngine.detect('festival', {}, 'linux').backend.name).toBe('festival');
      mkdirSync(join(prefix, 'share', 'festival', 'voices', 'english', 'kal_diphone'), { recursive: true });
      expect(festivalVoices(join(prefix, 'bin', 'festival'))).toBe(1);
      expect(SpeechEngine.detect(undefined, {}, 'linux').backend.name).toBe('festival');
      expect(festivalVoices(join(work, 'nowhere', 'bin', 'festival'))).toBeNull();
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('picks espeak-ng first on Linux when installed', () => {
    if (!findExecutable('espeak-ng')) return;
    expect(SpeechEngine.detect(undefined, {}, 'linux').backend.name).toBe('espeak-ng');
  });
});
