/**
 * `npm run bench:voice-asr [-- --voices accent:lp_diphone,flite:awb,en-us --out bench/results/voice-asr.json]`
 *
 * Do the bench's voices say the words? A listener trained on recordings of real people — CMU's
 * PocketSphinx with its US English acoustic model (Debian: `apt-get install pocketsphinx
 * pocketsphinx-en-us`) — hears each command, clean, wideband, at the middle speed and pitch, and
 * picks which of the commands and the bench's one-word distractors it was. Reports, per voice,
 * how many it heard as the command said. For the accented voices (accent.ts) it shows whether
 * the mapped phones still make the word; for espeak's and flite's voices it is the yardstick.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { COMMANDS } from '../../../shared/voice/recognizer';
import { ACCENT_VOICES } from './accent';
import { checkEngineVoices, DISTRACTOR_WORDS, PEOPLE, render, VOICES, writeWav16 } from './corpus';

const MODEL = '/usr/share/pocketsphinx/model/en-us';
const everyVoice = [
  ...VOICES,
  ...PEOPLE.people,
  ...PEOPLE['people-tune'],
  ...Object.keys(ACCENT_VOICES).map((v) => `accent:${v}`),
];
const { values } = parseArgs({ options: { voices: { type: 'string', default: everyVoice.join(',') }, out: { type: 'string', default: 'bench/results/voice-asr.json' } } });
if (!existsSync(`${MODEL}/en-us`)) throw new Error(`no PocketSphinx model at ${MODEL}: apt-get install pocketsphinx pocketsphinx-en-us`);
const voices = values.voices.split(',').map((v) => v.trim()).filter(Boolean);
checkEngineVoices(voices);

const work = join(tmpdir(), `earshot-asr-${process.pid}`);
mkdirSync(work, { recursive: true });
// One word of the commands and single-word distractors (the grammar is the listener's whole vocabulary).
const words = [...COMMANDS, ...DISTRACTOR_WORDS.filter((w) => !w.includes(' '))];
writeFileSync(join(work, 'words.gram'), `#JSGF V1.0;\ngrammar words;\npublic <word> = ${words.join(' | ')};\n`);

const results: { voice: string; heard: Record<string, string>; right: number }[] = [];
for (const voice of voices) {
  const heard: Record<string, string> = {};
  for (const command of COMMANDS) {
    const r = render({ text: command, voice, speed: 175, pitch: 50 });
    const wav = join(work, 'clip.wav');
    writeWav16(wav, r.samples);
    heard[command] = execFileSync('pocketsphinx_continuous', ['-infile', wav, '-hmm', `${MODEL}/en-us`, '-dict', `${MODEL}/cmudict-en-us.dict`, '-jsgf', join(work, 'words.gram')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  }
  const right = COMMANDS.filter((c) => heard[c] === c).length;
  results.push({ voice, heard, right });
  console.log(`${voice.padEnd(28)} ${right}/${COMMANDS.length}  ${COMMANDS.map((c) => (heard[c] === c ? 'ok' : `${c}→${heard[c] || '(nothing)'}`)).join('  ')}`);
}
rmSync(work, { recursive: true, force: true });
const total = results.reduce((t, r) => t + r.right, 0);
console.log(`heard as said: ${total} of ${results.length * COMMANDS.length}`);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ listener: 'pocketsphinx en-us', words, results }, null, 1)}\n`);
console.log(`wrote ${values.out}`);
