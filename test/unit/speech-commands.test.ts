import { describe, expect, it } from 'vitest';
import { BACKENDS, BACKEND_NAMES, SAPI_SCRIPT, festivalText, safeUtterance } from '../../electron/speech/backends';
import { hostileStrings } from '../helpers/hostile';

const CANARY = '/tmp/earshot-canary-never';

describe('speech command construction', () => {
  for (const name of BACKEND_NAMES) {
    const backend = BACKENDS[name];
    describe(name, () => {
      it.each(hostileStrings(CANARY).map((s) => [s.slice(0, 40), s]))('keeps %j out of argv and env, on stdin only', (_label, text) => {
        for (const spec of [backend.speak(text, {}), backend.synthesize(text, '/tmp/out.wav', { voice: backend.name === 'festival' ? 'kal_diphone' : 'en-us', rate: 200 })]) {
          expect(spec.stdin).toBe(backend.name === 'festival' ? festivalText(text) : safeUtterance(text));
          for (const arg of [...spec.args, ...Object.values(spec.env)]) {
            expect(arg).not.toContain(CANARY);
            expect(arg).not.toContain(text); // the text never appears as an argument
          }
          expect(spec.args.every((a) => typeof a === 'string')).toBe(true);
        }
      });

      it('refuses voice names that could be options or code', () => {
        for (const voice of ['-o /tmp/x', '--voice', '$(id)', 'a b', "kal'); (system \"id\")", 'en;rm', '../../etc/passwd', '']) {
          expect(() => backend.speak('hi', { voice }), voice).toThrow();
        }
        expect(() => backend.speak('hi', { rate: 10_000 })).toThrow();
        if (backend.name === 'festival') expect(() => backend.speak('hi', { voice: 'kal_diphone' })).toThrow(/default voice/);
        expect(() => backend.synthesize('hi', '-o', {})).toThrow(/unusable output path/);
      });
    });
  }

  it('festival only ever evaluates Scheme built from a checked voice name and a number', () => {
    const spec = BACKENDS.festival.synthesize('hello', '/tmp/o.wav', { voice: 'kal_diphone', rate: 200 });
    expect(spec.command).toBe('text2wave');
    expect(spec.args).toEqual(['-o', '/tmp/o.wav', '-eval', '(voice_kal_diphone)', '-eval', "(Parameter.set 'Duration_Stretch 0.875)"]);
    expect(() => BACKENDS.festival.synthesize('x', '/tmp/o.wav', { voice: 'en-us' })).toThrow(/festival voice names/);
    expect(festivalText('"; Start-Process calc; "')).toBe('Start-Process calc;.');
    expect(festivalText('; .')).toBe('alert.');
  });

  it('SAPI runs one constant script; the text is read from stdin, never given to SpeakSsml', () => {
    const spec = BACKENDS.sapi.synthesize('$(New-Item x)', 'C:\\Temp\\o.wav', { voice: 'Microsoft.Zira', rate: 215 });
    expect(spec.args).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', SAPI_SCRIPT]);
    expect(spec.env).toEqual({ EARSHOT_VOICE: 'Microsoft.Zira', EARSHOT_RATE: '2', EARSHOT_OUT: 'C:\\Temp\\o.wav' });
    expect(SAPI_SCRIPT).toContain('[Console]::In.ReadToEnd()');
    expect(SAPI_SCRIPT).not.toMatch(/SpeakSsml/i);
  });

  it('macOS say reads the text from stdin ("-f -"), so text cannot become an option', () => {
    expect(BACKENDS.say.speak('-o /tmp/x', {}).args).toEqual(['-f', '-']);
  });

  it('safeUtterance removes embedded engine commands and control characters and bounds length', () => {
    expect(safeUtterance('[[slnc 5000]]Hello\u0007 there\r\n')).toBe('slnc 5000 Hello there');
    expect(safeUtterance('y'.repeat(10_000))).toHaveLength(60);
    expect(safeUtterance('word '.repeat(1_000))).toHaveLength(2_000);
  });
});
