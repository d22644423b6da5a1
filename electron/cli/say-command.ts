/**
 * `earshot say [--backend B] [--voice V] [--rate R] [--out file.wav] <text…>`:
 * says the text (or writes the WAV) through the announcer's own path
 * (Announcer → Speaker → SpeechEngine → backend), and reports what it used.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Announcer, type Speaker } from '../../shared/announce/announcer';
import { BACKEND_NAMES, rateSchema, voiceSchema, type BackendName } from '../speech/backends';
import { EngineSpeaker, SpeechEngine, WavFileSpeaker } from '../speech/engine';
import { wavFileInfo } from '../speech/wav';
import { ConfigError } from '../hub/config';

export const systemClock = {
  now: () => Date.now(),
  setTimer: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimer: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
  localMinutes: (ms: number) => {
    const d = new Date(ms);
    return d.getHours() * 60 + d.getMinutes();
  },
};

export async function runSay(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { backend: { type: 'string' }, voice: { type: 'string' }, rate: { type: 'string' }, out: { type: 'string' } },
  });
  const text = positionals.join(' ').trim();
  if (!text) throw new ConfigError('say needs some text: earshot say [--backend espeak-ng|festival|say|sapi] [--voice V] [--rate R] [--out file.wav] <text…>');
  if (values.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(values.backend)) {
    throw new ConfigError(`--backend must be one of ${BACKEND_NAMES.join(', ')}`);
  }
  const voice = values.voice === undefined ? undefined : voiceSchema.safeParse(values.voice);
  if (voice && !voice.success) throw new ConfigError(`--voice: ${voice.error.issues[0]?.message ?? 'invalid'}`);
  const rate = values.rate === undefined ? undefined : rateSchema.safeParse(Number(values.rate));
  if (rate && !rate.success) throw new ConfigError('--rate: words per minute, 80 to 450');

  const engine = SpeechEngine.detect(values.backend as BackendName | undefined, { voice: voice?.data, rate: rate?.data });
  const out = values.out === undefined ? undefined : resolve(values.out);
  if (out) mkdirSync(dirname(out), { recursive: true });
  const speaker: Speaker = out ? new WavFileSpeaker(engine, out) : new EngineSpeaker(engine);
  const announcer = new Announcer(speaker, systemClock);
  let failure: unknown;
  announcer.onError((err) => (failure = err));
  await announcer.say(text);
  announcer.stop();
  if (failure) throw failure;
  const how = `${engine.backend.name}, voice ${engine.voice}, rate ${engine.options.rate ?? 'default'}`;
  if (out) process.stdout.write(`${how}: wrote ${out} (${wavFileInfo(out).seconds.toFixed(2)} s)\n`);
  else process.stdout.write(`${how}: spoke ${text.length} characters\n`);
  return 0;
}
