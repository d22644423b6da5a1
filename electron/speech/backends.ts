/**
 * Speech backends: how to make each engine say a text, or write it to a WAV.
 *
 * Alert text is attacker-controlled, and every engine has a way to interpret
 * text. The rule here, for every backend: the text goes on **stdin**, never in
 * argv (so it cannot become an option, e.g. "-o file" or "-f file" for `say`);
 * no shell is ever involved (no `$()`, backticks, `;`); configuration (voice,
 * rate, output file) is validated and passed as fixed argv elements or
 * environment variables, never spliced into a script (festival's Scheme,
 * PowerShell). On top of that, `safeUtterance` removes what an engine reads as
 * commands inside text: macOS `[[…]]` embedded commands and espeak's `[[…]]`
 * phoneme input, and control characters. SSML is never enabled (espeak-ng
 * without -m, SAPI Speak() not SpeakSsml(), festival in plain text mode).
 *
 * The `say` npm package does the same jobs but passes text as an argument on
 * macOS and spawns PowerShell with `shell: true` on Windows, so Earshot builds
 * these commands itself.
 */
import { z } from 'zod';

export const BACKEND_NAMES = ['espeak-ng', 'festival', 'say', 'sapi'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const voiceSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_+.-]{0,59}(?:\/[A-Za-z0-9_+.-]{1,40})?$/, 'letters, digits and _ + . - only (espeak-ng variants as voice+variant)');
/** Words per minute. */
export const rateSchema = z.number().int().min(80).max(450);

export interface SpeechOptions {
  voice?: string | undefined;
  rate?: number | undefined;
}

export interface CommandSpec {
  command: string;
  args: string[];
  /** Everything the engine reads as text: always here, never in args. */
  stdin: string;
  env: Record<string, string>;
}

export interface SpeechBackend {
  name: BackendName;
  /** The executable that must be on PATH. */
  executable: string;
  defaultVoice: string;
  speak(text: string, options: SpeechOptions): CommandSpec;
  synthesize(text: string, outFile: string, options: SpeechOptions): CommandSpec;
}

const MAX_UTTERANCE = 2_000;

/** The last line of defence, whatever built the text: no engine commands, no control characters, bounded. */
export function safeUtterance(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  let t = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
  t = t.replace(/\[\[|\]\]/g, ' ');
  // Nobody can say a 2,000-letter "word", and festival crashes on one.
  t = t.replace(/\S{61,}/g, (token) => token.slice(0, 60));
  t = t.replace(/\s+/g, ' ').trim();
  return t.length > MAX_UTTERANCE ? t.slice(0, MAX_UTTERANCE) : t;
}

/**
 * festival 2.5 segfaults on some endings made of punctuation and quotes (`calc; "`,
 * `; .`): found by feeding it hostile text. It is given only tokens that hold a
 * letter or digit, no quote characters, ending on a full stop.
 */
export function festivalText(text: string): string {
  const words = safeUtterance(text)
    .replace(/["'`\u2018\u2019\u201c\u201d]/g, ' ')
    .split(/\s+/)
    .filter((token) => /[\p{L}\p{N}]/u.test(token));
  const t = words.join(' ') || 'alert';
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function checked(options: SpeechOptions): { voice?: string; rate?: number } {
  const out: { voice?: string; rate?: number } = {};
  if (options.voice !== undefined) out.voice = voiceSchema.parse(options.voice);
  if (options.rate !== undefined) out.rate = rateSchema.parse(options.rate);
  return out;
}

/** An output path is ours (a temp file or the user's --out), but it still must not look like an option. */
function outPath(path: string): string {
  if (path.startsWith('-') || path.includes('\0') || /[\n\r]/.test(path)) throw new Error(`unusable output path: ${JSON.stringify(path)}`);
  return path;
}

const espeakNg: SpeechBackend = {
  name: 'espeak-ng',
  executable: 'espeak-ng',
  defaultVoice: 'en-us',
  speak(text, options) {
    const o = checked(options);
    return {
      command: 'espeak-ng',
      args: ['--stdin', '-v', o.voice ?? 'en-us', ...(o.rate ? ['-s', String(o.rate)] : [])],
      stdin: safeUtterance(text),
      env: {},
    };
  },
  synthesize(text, outFile, options) {
    const spec = this.speak(text, options);
    return { ...spec, args: [...spec.args, '-w', outPath(outFile)] };
  },
};

/**
 * festival reads stdin as text in its default (plain) text mode. The only
 * Scheme we pass is built from a validated voice name and a number.
 */
function festivalEval(o: { voice?: string; rate?: number }): string[] {
  const exprs: string[] = [];
  if (o.voice) {
    if (!/^[a-z0-9_]{1,40}$/.test(o.voice)) throw new Error(`festival voice names are lowercase letters, digits and _: ${JSON.stringify(o.voice)}`);
    exprs.push(`(voice_${o.voice})`);
  }
  if (o.rate) exprs.push(`(Parameter.set 'Duration_Stretch ${(175 / o.rate).toFixed(3)})`);
  return exprs.flatMap((e) => ['-eval', e]);
}

const festival: SpeechBackend = {
  name: 'festival',
  executable: 'festival',
  defaultVoice: 'kal_diphone',
  /** festival --tts has no way to take Scheme and read stdin at once: it speaks with its default voice. */
  speak(text, options) {
    const o = checked(options);
    if (o.voice || o.rate) throw new Error('festival speaks directly only with its default voice and rate; choose a voice for synthesised (WAV) playback');
    return { command: 'festival', args: ['--tts'], stdin: festivalText(text), env: {} };
  },
  synthesize(text, outFile, options) {
    return { command: 'text2wave', args: ['-o', outPath(outFile), ...festivalEval(checked(options))], stdin: festivalText(text), env: {} };
  },
};

/** macOS `say`: "-f -" reads the text from stdin. */
const macSay: SpeechBackend = {
  name: 'say',
  executable: 'say',
  defaultVoice: 'system default',
  speak(text, options) {
    const o = checked(options);
    return {
      command: 'say',
      args: ['-f', '-', ...(o.voice ? ['-v', o.voice] : []), ...(o.rate ? ['-r', String(o.rate)] : [])],
      stdin: safeUtterance(text),
      env: {},
    };
  },
  synthesize(text, outFile, options) {
    const spec = this.speak(text, options);
    return { ...spec, args: [...spec.args, '-o', outPath(outFile), '--file-format=WAVE', '--data-format=LEI16@22050'] };
  },
};

/**
 * Windows SAPI through PowerShell: a constant script, no shell. Voice, rate and
 * output path arrive as environment variables; the text is read from stdin and
 * given to Speak() (plain text; SpeakSsml is never used).
 */
export const SAPI_SCRIPT = [
  'Add-Type -AssemblyName System.Speech',
  '$s = New-Object System.Speech.Synthesis.SpeechSynthesizer',
  'if ($env:EARSHOT_VOICE) { $s.SelectVoice($env:EARSHOT_VOICE) }',
  'if ($env:EARSHOT_RATE) { $s.Rate = [int]$env:EARSHOT_RATE }',
  'if ($env:EARSHOT_OUT) { $s.SetOutputToWaveFile($env:EARSHOT_OUT) }',
  '$text = [Console]::In.ReadToEnd()',
  '$s.Speak($text)',
  '$s.Dispose()',
].join('; ');

const sapi: SpeechBackend = {
  name: 'sapi',
  executable: 'powershell.exe',
  defaultVoice: 'system default',
  speak(text, options) {
    const o = checked(options);
    const env: Record<string, string> = {};
    if (o.voice) env['EARSHOT_VOICE'] = o.voice;
    // SAPI's rate is -10…10 around ~175 wpm.
    if (o.rate) env['EARSHOT_RATE'] = String(Math.max(-10, Math.min(10, Math.round((o.rate - 175) / 20))));
    return { command: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', SAPI_SCRIPT], stdin: safeUtterance(text), env };
  },
  synthesize(text, outFile, options) {
    const spec = this.speak(text, options);
    return { ...spec, env: { ...spec.env, EARSHOT_OUT: outPath(outFile) } };
  },
};

export const BACKENDS: Record<BackendName, SpeechBackend> = { 'espeak-ng': espeakNg, festival, say: macSay, sapi };

/** The platform's natural choices, best first. */
export function preferredBackends(platform: NodeJS.Platform): BackendName[] {
  if (platform === 'darwin') return ['say', 'espeak-ng'];
  if (platform === 'win32') return ['sapi', 'espeak-ng'];
  return ['espeak-ng', 'festival'];
}
