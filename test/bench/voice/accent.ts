/**
 * English with an accent, in the voices of real people who speak other languages: Debian's
 * festival voices for Italian, Finnish, Czech and Hindi are diphones cut from recordings of
 * their speakers (women and men), and can say only their own language's sounds. So festival's
 * English voice works out how the text is said (its phones, their lengths, the pitch contour);
 * each English phone becomes the nearest sound the other language has, as its speakers tend to
 * say it (Italian drops the h; Czech and Finnish say w as v; Hindi says t and d retroflex and w
 * as v); and the other voice speaks that, with the English timing and the contour moved to its
 * own pitch. Where the voice lacks a pair of sounds (a Finnish word ending in "sh"), a short
 * vowel goes between them, as such speakers often add one.
 *
 * The text is checked to be plain words before it goes into festival's Scheme; everything else
 * in the scripts is phone names from the tables below and numbers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Changes with the tables or the way renders are made, so cached renders of an older way are not used. */
export const ACCENT_RENDER = 2;

/** English (festival's radio phone set) → the other language's phones, as its speakers say them. */
type PhoneMap = Record<string, string[]>;

const BASE: Record<string, string[]> = {
  b: ['b'], d: ['d'], f: ['f'], g: ['g'], k: ['k'], l: ['l'], m: ['m'], n: ['n'], p: ['p'], r: ['r'], s: ['s'], t: ['t'], v: ['v'], z: ['z'],
  dx: ['t'], nx: ['n'],
};

const ITALIAN: PhoneMap = {
  ...BASE,
  aa: ['a'], ae: ['E'], ah: ['a'], ao: ['O'], aw: ['a', 'w'], ax: ['a'], axr: ['e', 'r'], ay: ['a', 'j'], eh: ['E'], ey: ['e', 'j'], er: ['e', 'r'],
  ih: ['i'], iy: ['i'], ow: ['o', 'w'], oy: ['O', 'j'], uh: ['u'], uw: ['u'], el: ['e', 'l'], em: ['e', 'm'], en: ['e', 'n'],
  ch: ['tS'], jh: ['dZ'], dh: ['d'], th: ['t'], hh: [], hv: [], ng: ['ng'], sh: ['S'], zh: ['Z'], w: ['w'], y: ['j'],
};
/** Italian's stressed vowels are their own units (a1, E1, …). */
const ITALIAN_STRESSED = new Set(['i', 'e', 'E', 'a', 'o', 'O', 'u']);

const FINNISH: PhoneMap = {
  ...BASE,
  aa: ['a:'], ae: ['@'], ah: ['a'], ao: ['o:'], aw: ['a', 'u'], ax: ['e'], axr: ['e', 'r'], ay: ['a', 'i'], eh: ['e'], ey: ['e', 'i'], er: ['7', 'r'],
  ih: ['i'], iy: ['i:'], ow: ['o', 'u'], oy: ['o', 'i'], uh: ['u'], uw: ['u:'], el: ['e', 'l'], em: ['e', 'm'], en: ['e', 'n'],
  b: ['p'], g: ['k'], z: ['s'], ch: ['t', 'S'], jh: ['t', 'S'], dh: ['d'], th: ['T'], hh: ['h'], hv: ['h'], ng: ['N'], sh: ['S'], zh: ['S'], w: ['v'], y: ['j'],
};

const CZECH: PhoneMap = {
  ...BASE,
  aa: ['a:'], ae: ['e'], ah: ['a'], ao: ['o:'], aw: ['a', 'u'], ax: ['e'], axr: ['e', 'r'], ay: ['a', 'j'], eh: ['e'], ey: ['e', 'j'], er: ['e', 'r'],
  ih: ['i'], iy: ['i:'], ow: ['o', 'u'], oy: ['o', 'j'], uh: ['u'], uw: ['u:'], el: ['e', 'l'], em: ['e', 'm'], en: ['e', 'n'],
  ch: ['c~'], jh: ['dz~'], dh: ['d'], th: ['t'], hh: ['h'], hv: ['h'], ng: ['n*'], sh: ['s~'], zh: ['z~'], w: ['v'], y: ['j'],
};

const HINDI: PhoneMap = {
  ...BASE,
  aa: ['aa'], ae: ['ee'], ah: ['a'], ao: ['oh'], aw: ['aw'], ax: ['a'], axr: ['a', 'r'], ay: ['ay'], eh: ['ee'], ey: ['ee'], er: ['a', 'r'],
  ih: ['ih'], iy: ['iy'], ow: ['oo'], oy: ['oh', 'ih'], uh: ['uh'], uw: ['uw'], el: ['a', 'l'], em: ['a', 'm'], en: ['a', 'n'],
  t: ['T'], d: ['D'], dx: ['T'], z: ['j'], ch: ['ch'], jh: ['j'], dh: ['D'], th: ['tth'], hh: ['h'], hv: ['h'], ng: ['n', 'g'], sh: ['sh'], zh: ['sh'], w: ['v'], y: ['y'],
};

interface AccentVoice {
  phones: PhoneMap;
  /** The voice's pause phone. */
  pause: string;
  /** The vowel put between two sounds the voice has no diphone for. */
  epenthesis: string;
  /** Its speaker's pitch against festival's English voice (about 100 Hz). */
  pitch: number;
  stressed?: (phone: string) => string;
}

/** The voices (festival's names) and their Debian packages. */
export const ACCENT_VOICES: Record<string, AccentVoice & { language: string; speaker: 'woman' | 'man' | 'boy'; apt: string }> = {
  lp_diphone: { phones: ITALIAN, pause: '#', epenthesis: 'e', pitch: 2.0, stressed: italianStress, language: 'Italian', speaker: 'woman', apt: 'festvox-italp16k' },
  pc_diphone: { phones: ITALIAN, pause: '#', epenthesis: 'e', pitch: 1.1, stressed: italianStress, language: 'Italian', speaker: 'man', apt: 'festvox-itapc16k' },
  suo_fi_lj_diphone: { phones: FINNISH, pause: '#', epenthesis: 'i', pitch: 1.9, language: 'Finnish', speaker: 'woman', apt: 'festvox-suopuhe-lj' },
  hy_fi_mv_diphone: { phones: FINNISH, pause: '#', epenthesis: 'i', pitch: 1.0, language: 'Finnish', speaker: 'man', apt: 'festvox-suopuhe-mv' },
  czech_dita: { phones: CZECH, pause: '#', epenthesis: 'e', pitch: 1.9, language: 'Czech', speaker: 'woman', apt: 'festvox-czech-dita' },
  czech_machac: { phones: CZECH, pause: '#', epenthesis: 'e', pitch: 1.0, language: 'Czech', speaker: 'man', apt: 'festvox-czech-machac' },
  czech_ph: { phones: CZECH, pause: '#', epenthesis: 'e', pitch: 1.0, language: 'Czech', speaker: 'man', apt: 'festvox-czech-ph' },
  czech_krb: { phones: CZECH, pause: '#', epenthesis: 'e', pitch: 2.3, language: 'Czech', speaker: 'boy', apt: 'festvox-czech-krb' },
  hindi_NSK_diphone: { phones: HINDI, pause: 'pau', epenthesis: 'a', pitch: 1.2, language: 'Hindi', speaker: 'man', apt: 'festvox-hi-nsk' },
};

function italianStress(phone: string): string {
  return ITALIAN_STRESSED.has(phone) ? `${phone}1` : phone;
}

/** What the text checks against before it goes into a Scheme string. */
const PLAIN = /^[a-z][a-z' ]{0,199}$/i;

interface Segment {
  phone: string;
  end: number;
  stressed: boolean;
}

/** How festival's English voice says `text`: its phones with their end times, and its pitch targets. */
export function englishSegments(text: string, cache: string): { segments: Segment[]; targets: [number, number][] } {
  if (!PLAIN.test(text)) throw new Error(`accented speech takes plain words (letters, spaces, apostrophes), not ${JSON.stringify(text.slice(0, 40))}`);
  const file = join(cache, `a-${createHash('sha256').update(text).digest('hex').slice(0, 24)}.txt`);
  if (!existsSync(file)) {
    mkdirSync(cache, { recursive: true });
    const script = [
      '(voice_kal_diphone)',
      `(set! u (utt.synth (Utterance Text "${text}")))`,
      `(mapcar (lambda (s) (format t "S %s %f %s\\n" (item.name s) (item.feat s "end") (item.feat s "R:SylStructure.parent.stress"))) (utt.relation.items u 'Segment))`,
      `(mapcar (lambda (s) (if (> (item.feat s "f0") 0) (format t "T %f %f\\n" (item.feat s "pos") (item.feat s "f0")))) (utt.relation.items u 'Target))`,
    ].join('\n');
    const out = execFileSync('festival', ['--pipe'], { input: script, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'], timeout: 60_000 });
    if (!out.includes('S ')) throw new Error(`festival's English voice gave no phones for ${JSON.stringify(text)} (apt-get install festival festvox-kallpc16k)`);
    writeFileSync(`${file}.tmp`, out);
    renameSync(`${file}.tmp`, file);
  }
  const segments: Segment[] = [];
  const targets: [number, number][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'S' && f.length === 4) segments.push({ phone: f[1] as string, end: Number(f[2]), stressed: f[3] === '1' });
    else if (f[0] === 'T' && f.length === 3) targets.push([Number(f[1]), Number(f[2])]);
  }
  if (!segments.length) throw new Error(`festival's English voice gave no phones for ${JSON.stringify(text)} (apt-get install festival festvox-kallpc16k)`);
  return { segments, targets };
}

/** One phone of the accented utterance: name, duration (s), pitch targets (offset in it, Hz). */
type Phone = [string, number, [number, number][]];

/** The English segments in the other voice's phones, with the English timing and contour. */
export function accentPhones(english: { segments: Segment[]; targets: [number, number][] }, voice: AccentVoice): Phone[] {
  const out: Phone[] = [];
  let start = 0;
  for (const seg of english.segments) {
    const duration = Math.max(0.01, seg.end - start);
    const names = seg.phone === 'pau' ? [voice.pause] : voice.phones[seg.phone];
    if (!names) throw new Error(`no sound for the English phone ${seg.phone}`);
    const mine = english.targets.filter(([t]) => t >= start && t < seg.end).map(([t, f0]): [number, number] => [t - start, Math.round(f0 * voice.pitch)]);
    if (names.length === 0) {
      // A sound the language lacks (Italian's h): dropped, its time and pitch targets to the sound before.
      const last = out[out.length - 1];
      if (last) {
        last[2].push(...mine.map(([t, f0]): [number, number] => [t + last[1], f0]));
        last[1] += duration;
      }
    } else {
      // A diphthong or a pair: the first sound takes 60 %.
      const shares = names.length === 1 ? [1] : names.map((_, i) => (i === 0 ? 0.6 : 0.4 / (names.length - 1)));
      let at = 0;
      names.forEach((name, i) => {
        const d = duration * (shares[i] as number);
        const n = seg.stressed && voice.stressed ? voice.stressed(name) : name;
        out.push([n, d, mine.filter(([t]) => t >= at && t < at + d + (i === names.length - 1 ? 1 : 0)).map(([t, f0]) => [t - at, f0])]);
        at += d;
      });
    }
    start = seg.end;
  }
  return out;
}

function segmentsScheme(phones: Phone[]): string {
  return phones.map(([n, d, t]) => `(${n} ${d.toFixed(4)}${t.map(([o, f]) => ` (${o.toFixed(4)} ${f})`).join('')})`).join(' ');
}

/**
 * Renders `text` in the accent voice `name` (a key of ACCENT_VOICES) into the WAV `out` (the
 * voice's own rate). Returns how many pairs of sounds needed a vowel between them.
 */
export function accentSpeech(text: string, name: string, out: string, cache: string): number {
  const voice = ACCENT_VOICES[name];
  if (!voice) throw new Error(`accent voice ${name}: not one of ${Object.keys(ACCENT_VOICES).join(', ')}`);
  let phones = accentPhones(englishSegments(text, cache), voice);
  let repaired = 0;
  for (let attempt = 0; ; attempt++) {
    const tmp = `${out}.${process.pid}.scm-out.wav`;
    const script = `(voice_${name})\n(set! u (Utterance Segments (${segmentsScheme(phones)})))\n(utt.synth u)\n(utt.save.wave u "${tmp}" 'riff)\n`;
    const run = spawnSync('festival', ['--pipe'], { input: script, encoding: 'utf8', timeout: 60_000 });
    const log = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
    if (run.status !== 0 || !existsSync(tmp)) {
      rmSync(tmp, { force: true });
      throw new Error(`festival voice ${name} (apt-get install festival ${voice.apt}): ${run.error?.message ?? log.trim().split('\n').slice(-2).join(' ')}`);
    }
    const missing = [...log.matchAll(/using default diphone \S+ for (\S+)-(\S+)/g)].map((m) => [m[1] as string, m[2] as string] as const);
    if (!missing.length || attempt === 2) {
      renameSync(tmp, out);
      return repaired;
    }
    rmSync(tmp, { force: true });
    // A short vowel between each missing pair ("S-#" → "S e #").
    const next: Phone[] = [];
    for (let i = 0; i < phones.length; i++) {
      const p = phones[i] as Phone;
      const q = phones[i + 1];
      if (q && missing.some(([a, b]) => a === p[0] && b === q[0])) {
        const cut = Math.min(0.04, p[1] / 3);
        next.push([p[0], p[1] - cut, p[2]], [voice.epenthesis, cut + 0.03, []]);
        repaired++;
      } else next.push(p);
    }
    phones = next;
  }
}
