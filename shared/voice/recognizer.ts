/**
 * Offline recognition of a handful of commands, enrolled by the user: each word is
 * said three times and the takes are kept (on this device only). A new utterance is
 * compared with every take by dynamic time warping (DTW) over MFCC frames, so speed
 * differences do not matter; nothing is downloaded, nothing leaves the device, and
 * the vocabulary is the user's own voice — which is what makes it robust to accent.
 *
 * Noise: just before the utterance the microphone heard the room alone. The takes
 * are mixed with that very noise at the utterance's own signal-to-noise ratio before
 * comparing, so a command said in a noisy room is compared with the user's takes in
 * the same noise (matched conditions), not with clean ones; and that noise's spectrum is
 * what the features subtract, from both.
 *
 * A second opinion: a small keyword model that ships with the app (keyword-model.ts),
 * trained on many synthetic voices in noise. It does not know the user's voice, and
 * near-homophones can fool it; the takes do know the voice but blur in noise. The score
 * weighs both, so each covers what the other misses — for voices the model knows. Whether it
 * knows yours it can tell from your takes: where it does not take your own takes of a command
 * for that command (mean probability under `modelTrust`), that command is decided by your takes
 * alone, by their own rule; a voice unlike the model's training voices would otherwise be
 * refused, the model's doubt outweighing takes that match well.
 *
 * Above the features' band: where the link carries it, the hiss above 4 kHz that the user's takes
 * of the command have and the utterance lacks counts against it (missingHiss) — "candle" is "cancel"
 * but for the "s", and most of an "s" lies up there.
 *
 * Deciding rather than guessing: the utterance must be close to one command
 * (relative to how much the user's own takes of it differ) and clearly closer to it
 * than to any other command. Close but not clear → "unsure" (the app asks "Say
 * again?" once); anything else → rejected, silently.
 */
import { z } from 'zod';
import { base64ToBytes, BASE64_PATTERN, bytesToBase64 } from '../base64';
import { bandPowers, HOP, meanMelPower, melPowers, melPowersOfMix, mfccFromMels, SAMPLE_RATE, spectra, DIMS, type Features, type Spectra } from './features';
import { COMMANDS, voiceCommandSchema, type VoiceCommand } from './commands';
import { keywordFeaturesFromMels, modelOpinion, type KeywordModel } from './keyword-model';
import { voicedFrames } from './vad';

export { COMMANDS, voiceCommandSchema, type VoiceCommand };
export const TAKES_PER_COMMAND = 3;

/**
 * How sure before acting, the user's choice: "strict" takes fewer false alarms for more "say
 * again?" and silence, "lenient" hears more (noise, a voice the keyword model does not know) for
 * more false alarms. Each moves both rules' `accept` (sensitivityOptions).
 */
export const SENSITIVITIES = ['strict', 'normal', 'lenient'] as const;
export const sensitivitySchema = z.enum(SENSITIVITIES);
export type Sensitivity = z.infer<typeof sensitivitySchema>;

/** Enrolment as stored (localStorage): validated when loaded, like any other input. */
export const enrolmentSchema = z.object({
  version: z.literal(1),
  /** Absent: "normal". */
  sensitivity: sensitivitySchema.optional(),
  sampleRate: z.literal(SAMPLE_RATE),
  takes: z
    .array(
      z.object({
        command: voiceCommandSchema,
        /** 16-bit little-endian PCM, base64 (at most 2 s). */
        pcm: z
          .string()
          .max(Math.ceil((SAMPLE_RATE * 2 * 2 * 4) / 3) + 4)
          .regex(BASE64_PATTERN),
      }),
    )
    .max(COMMANDS.length * 6),
});
export type Enrolment = z.infer<typeof enrolmentSchema>;

/**
 * How sure: a logistic score over measures of the best command — its distance relative to the
 * user's own spread, its ratio to the runner-up, its worst stretch relative to the user's own
 * (lower is better for all three), its length against the user's takes and, with the keyword
 * model, the model's probability of that command and of "not a command" — as
 * `w · [ln relative, ln ratio, ln peak, 1] + length · ln length + highBand[command] · hiss missing`
 * (or, over a link that carries no high band, `+ noHighBand[command]`)
 * (+ `m · [ln p(command), ln p(other)]`), plus an offset for the command it names. The weights
 * are fitted, not designed: in both rules the worst stretch and the ratio weigh most, and `relative`
 * counts *for* — given the worst stretch, a word far from the takes all along is one said in noise
 * (which blurs every frame), while a near word is close all along but for one sound. Accept at or above
 * `accept`; ask "say again?" at or above `unsure`; ignore below.
 */
export interface ScoreRule {
  weights: readonly [number, number, number, number];
  model: readonly [number, number];
  length: number;
  /**
   * Per command, times the hiss the utterance lacks (missingHiss: 0 when it has all its takes have) —
   * per command because how much that tells depends on the word: all of "cancel" against "candle",
   * little of "repeat", whose hiss is a faint burst the room may drown.
   */
  highBand: Readonly<Record<VoiceCommand, number>>;
  /**
   * Per command, added instead when the link carries no high band (an 8 kHz headset link): the hiss
   * cannot vouch for the word there, so the rest must be surer — over such a link "candle" is "cancel"
   * to every other measure.
   */
  noHighBand: Readonly<Record<VoiceCommand, number>>;
  /**
   * Added to the score of each command: one line for all five over-accepts the commands that
   * everyday words contain ("acknowledgement", "knowledge") and under-accepts the ones few
   * words resemble, so each command gets its own share of the false-accept budget.
   */
  perCommand: Readonly<Record<VoiceCommand, number>>;
  accept: number;
  unsure: number;
}

export interface RecognizerOptions {
  /** The rule without the keyword model (the user's takes only). */
  templates: ScoreRule;
  /** The rule with the keyword model as a second opinion. */
  withModel: ScoreRule;
  /**
   * The keyword model's opinion counts only for commands whose takes it recognises: its mean
   * probability of the command on the user's own takes of it must be at least this; below, the
   * takes decide alone, by their own rule (a voice unlike any the model heard, for which the
   * model would only make the rule refuse).
   */
  modelTrust: number;
  /** Below this ratio to the runner-up a rejection is "no match", above it "ambiguous". */
  ambiguousRatio: number;
  /** Utterances shorter or longer than this are not commands (ms). */
  minMs: number;
  maxMs: number;
  /**
   * An utterance with fewer voiced 10 ms frames than this (vad.ts, voicedFrames) is not speech — a
   * rumble, a fan, traffic — and is not compared at all (0: no check). On the fit speakers' commands
   * (2,700 clips of the tune, people-tune and accents-tune voices and four hard ones, every noise and
   * band) the fewest voiced frames any had was 4; in brown noise alone, no second of 624 had more than
   * 2 (a stretch the listener joins from two pieces of it reached 2 and, heard as one, was once taken
   * for "snooze" at the "lenient" sensitivity), pink and white none.
   */
  minVoicedFrames: number;
  /** DTW band, as a fraction of the longer sequence. */
  band: number;
  /**
   * Frames (10 ms) of a take's tail an alignment may leave over (alignmentEnd): the VAD ends a word
   * early in noise. Chosen on the fit speakers, both rules refitted for each: commands accepted at the
   * limit with none 2,549 (the model's rule, tune speakers) and 3,162 (the takes' rule, its three sets);
   * 6 frames 2,585 / 3,223; 12 frames 2,624 / 3,274; 20 frames 2,624 / 3,276. 0: the alignment ends at
   * the take's end.
   */
  endSlack: number;
  /**
   * In noise, also subtract from each take the room it was said in (ownRoom), not only the room
   * mixed into it. Takes said in a quiet room have next to none, so nothing changes for them; said
   * among voices 20 dB down (three tune voices), near words accepted 12 → 8 of 96, in pink noise
   * 15 dB down 5 → 2 (commands 105 → 101 of 120; 2 of 96 when enrolled in a quiet room). Takes said
   * where it was loud are named at enrolment all the same (NOISY_TAKE_SNR_DB).
   */
  takesOwnRoom: boolean;
}

/**
 * Both rules are fitted on speakers of `npm run bench:voice` that are never reported (`npm run
 * bench:voice-fit`): logistic regression, then a search for the weights and per-command offsets
 * that accept the most commands there at ≤ 1 % false accepts; `accept` is that score, `unsure` the
 * one at ≤ 5 % — each with a margin: the share of false accepts measured on those speakers is an
 * estimate, so its upper 95 % confidence bound must be within the limit (a threshold set at exactly
 * 1 % there lands above 1 % on other speakers about half the time; on the tune speakers' 2,380
 * distractor clips the bound allows 15, 0.63 %) — in each band the distractors are said over (wideband,
 * and the 8 kHz headset band, where the hiss cannot help). `withModel` on the "tune" speakers (espeak voices
 * the model knows); `templates` — the rule for voices the model does not know — on those and the
 * "people-tune" and "accents-tune" speakers (voices made from recordings of real people, some with
 * an accent), without the model. Last refitted in session 19, on the bench as corrected then (a word's
 * soft edges kept, the same stretch said wideband and over the 8 kHz band, takes cut as the app cuts
 * them) with the VAD's 100 Hz high-pass: 2,686 commands at the limit by the model's rule, 3,742 by the takes'.
 */
export const RECOGNIZER_DEFAULTS: RecognizerOptions = {
  templates: {
    weights: [0.454, -2.212, -2.7439, -0.1187],
    model: [0, 0],
    length: 1.315,
    highBand: { acknowledge: 0.2074, snooze: 0.0029, resolve: -8.2547, repeat: 0.0632, cancel: -3.4091 },
    noHighBand: { acknowledge: -0.1978, snooze: 0.3798, resolve: -0.9996, repeat: -0.3506, cancel: -2.1844 },
    perCommand: { acknowledge: 0.1783, snooze: 0.4116, resolve: -1.1687, repeat: -0.0733, cancel: -0.2294 },
    accept: 1.1411,
    unsure: -0.2643,
  },
  withModel: {
    weights: [2.548, -1.4992, -5.0796, -0.78],
    model: [0.795, -0.3637],
    length: 1.7772,
    highBand: { acknowledge: -6.9304, snooze: 1.8346, resolve: -8.4104, repeat: -2.9085, cancel: -5.4997 },
    noHighBand: { acknowledge: -1.4109, snooze: 1.8749, resolve: -1.599, repeat: -0.6704, cancel: -2.2723 },
    perCommand: { acknowledge: -0.41, snooze: 1.4346, resolve: 0.2043, repeat: 0.417, cancel: 0.1619 },
    accept: 1.5245,
    unsure: -0.8456,
  },
  modelTrust: 0.9,
  ambiguousRatio: 0.8,
  minMs: 150,
  maxMs: 1_800,
  minVoicedFrames: 3,
  band: 0.35,
  endSlack: 12,
  takesOwnRoom: true,
};

/**
 * What each sensitivity adds to the rules' `accept` (score units). Measured on the speakers the rules
 * were fitted on, with the same margin (the upper 95 % confidence bound of the share of distractors
 * accepted): "strict" holds that bound to 0.5 %, "normal" is the fit (1 %), "lenient" allows 3 %.
 * There, the model's rule took 93.0 / 97.2 / 98.8 % of the tune speakers' commands, the takes' rule
 * 69.0 / 83.1 / 91.5 % of its three sets' (single try; the bound held for distractors said wideband and
 * over the 8 kHz headset band alike). `unsure` stays, below `accept`. `npm run bench:voice-fit`
 * prints these with the rule it fits.
 */
export const SENSITIVITY_SHIFT: Readonly<Record<Sensitivity, { withModel: number; templates: number }>> = {
  strict: { withModel: 1.418, templates: 1.012 },
  normal: { withModel: 0, templates: 0 },
  lenient: { withModel: -1.496, templates: -0.912 },
};

/** The recognizer's rules at a sensitivity (from `base`, the defaults unless given). */
export function sensitivityOptions(sensitivity: Sensitivity, base: Pick<RecognizerOptions, 'templates' | 'withModel'> = RECOGNIZER_DEFAULTS): Pick<RecognizerOptions, 'templates' | 'withModel'> {
  const shift = SENSITIVITY_SHIFT[sensitivity];
  const move = (rule: ScoreRule, by: number): ScoreRule => ({ ...rule, accept: rule.accept + by, unsure: Math.min(rule.unsure, rule.accept + by) });
  return { templates: move(base.templates, shift.templates), withModel: move(base.withModel, shift.withModel) };
}

/**
 * A rule's score for a best command's measures (see ScoreRule); with `model`, the model's opinion
 * counts too (the rule `withModel`).
 */
export function ruleScore(rule: ScoreRule, m: { command: VoiceCommand; relative: number; ratio: number; peak: number; length: number; highBand?: number | null; model?: ModelOpinion }): number {
  const [wRel, wRatio, wPeak, bias] = rule.weights;
  const ln = (x: number) => Math.log(Math.max(x, 1e-6));
  const score = wRel * ln(m.relative) + wRatio * ln(m.ratio) + wPeak * ln(m.peak) + rule.length * ln(m.length) + (m.highBand === null ? rule.noHighBand[m.command] : rule.highBand[m.command] * (m.highBand ?? 0)) + bias + rule.perCommand[m.command];
  return m.model ? score + rule.model[0] * ln(m.model.command) + rule.model[1] * ln(m.model.other) : score;
}

/** What the keyword model said about an utterance (when there is one). */
export interface ModelOpinion {
  command: number;
  other: number;
}

export type Decision =
  | { decision: 'accept' | 'unsure'; command: VoiceCommand; distance: number; relative: number; ratio: number; peak: number; worst: number; /** Frames over the median of the user's takes of the command. */ length: number; /** The hiss the utterance lacks (missingHiss; null: the link carries no high band). */ highBand: number | null; score: number; /** Speech over the room noise heard before it (60: quiet). */ snrDb: number; /** Which rule decided: the model's, or the takes' alone (see modelTrust). */ by: 'model' | 'takes'; model?: ModelOpinion; /** What the model said of the user's own takes of the command (mean). */ takesModel?: ModelOpinion }
  | { decision: 'reject'; reason: 'too short' | 'too long' | 'not speech' | 'no match' | 'ambiguous' | 'not enrolled'; command?: VoiceCommand; relative?: number; ratio?: number; peak?: number; worst?: number; length?: number; highBand?: number | null; score?: number; snrDb?: number; by?: 'model' | 'takes'; model?: ModelOpinion; takesModel?: ModelOpinion };

/**
 * Where an alignment of an utterance `a` (n frames) with a take `b` (m frames) may end, given the
 * accumulated costs of its last row (`lastRow(j)`: all of `a` against `b`'s first j frames): at the last frame of both or, within `slack` frames, with the take's tail left over —
 * whichever costs least per step (accumulated cost over the frames used). In noise the VAD's end
 * comes early when a word's soft last sound drowns ("resol*ve*" in white noise: the stretch ends
 * 60–90 ms before the word does); the take, recorded in a quiet room, still has it, and with nothing
 * left to align with but the utterance's last frame, that one frame stood for all of it — the worst
 * stretch of the alignment, as if the word were another. The utterance's own tail is not left over:
 * the VAD cuts it 50 ms after the last speech, as it cut the take, and leaving it over (tried) let
 * sentences in babble match on a part.
 */
function alignmentEnd(lastRow: (j: number) => number, n: number, m: number, slack: number): { j: number; cost: number } {
  let end = { j: m, cost: lastRow(m) / (n + m) };
  for (let j = Math.max(1, m - slack); j < m; j++) {
    const cost = lastRow(j) / (n + j);
    if (cost < end.cost) end = { j, cost };
  }
  return end;
}

/**
 * DTW's accumulated costs (Sakoe–Chiba band), and each cell's local cost. Local costs are squared
 * Euclidean distances: one badly mismatched stretch (the "v" of "revolve" where "resolve" has a
 * "z") weighs more than many slightly different frames.
 */
function accumulate(a: Features, b: Features, band: number): { acc: Float64Array; local: Float64Array } {
  const n = a.length;
  const m = b.length;
  const w = Math.max(Math.abs(n - m) + 1, Math.ceil(band * Math.max(n, m)));
  const acc = new Float64Array((n + 1) * (m + 1)).fill(Infinity);
  const local = new Float64Array((n + 1) * (m + 1));
  acc[0] = 0;
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1] as Float32Array;
    const centre = (i * m) / n;
    for (let j = Math.max(1, Math.floor(centre) - w); j <= Math.min(m, Math.ceil(centre) + w); j++) {
      const bj = b[j - 1] as Float32Array;
      let d = 0;
      for (let k = 0; k < DIMS; k++) {
        const x = (ai[k] as number) - (bj[k] as number);
        d += x * x;
      }
      local[at(i, j)] = d;
      acc[at(i, j)] = d + Math.min(acc[at(i - 1, j - 1)] as number, acc[at(i - 1, j)] as number, acc[at(i, j - 1)] as number);
    }
  }
  return { acc, local };
}

/**
 * Length-normalised DTW distance of an utterance `a` from a take `b`; the alignment may leave up to
 * `slack` frames of the take's tail over (alignmentEnd). Two rows at a time (this runs for every take
 * on every decision).
 */
export function dtw(a: Features, b: Features, band = RECOGNIZER_DEFAULTS.band, slack = RECOGNIZER_DEFAULTS.endSlack): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Infinity;
  const w = Math.max(Math.abs(n - m) + 1, Math.ceil(band * Math.max(n, m)));
  let prev = new Float64Array(m + 1).fill(Infinity);
  let cur = new Float64Array(m + 1).fill(Infinity);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    cur.fill(Infinity);
    const ai = a[i - 1] as Float32Array;
    const centre = (i * m) / n;
    const jFrom = Math.max(1, Math.floor(centre) - w);
    const jTo = Math.min(m, Math.ceil(centre) + w);
    for (let j = jFrom; j <= jTo; j++) {
      const bj = b[j - 1] as Float32Array;
      let d = 0;
      for (let k = 0; k < DIMS; k++) {
        const x = (ai[k] as number) - (bj[k] as number);
        d += x * x;
      }
      cur[j] = d + Math.min(prev[j - 1] as number, prev[j] as number, cur[j - 1] as number);
    }
    [prev, cur] = [cur, prev];
  }
  const last = prev;
  return alignmentEnd((j) => last[j] as number, n, m, slack).cost;
}

/**
 * DTW's distance (dtw) and, from its best path, the worst short stretch: the highest mean local cost
 * over any `window` consecutive steps. A near-miss word ("revolve" for "resolve", "candle" for
 * "cancel") matches well on average but badly at the one sound that differs; a command said faster or
 * lower differs a little everywhere. So the stretch tells them apart where the average distance
 * cannot. Also which of the take's frames the alignment gave to the utterance: from `from` (the take's
 * frames before it all went to the utterance's first frame) to before `end` (the tail left over:
 * alignmentEnd).
 */
export function dtwAlignment(a: Features, b: Features, band = RECOGNIZER_DEFAULTS.band, window = 8, slack = RECOGNIZER_DEFAULTS.endSlack): { distance: number; peak: number; from: number; end: number } {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { distance: Infinity, peak: Infinity, from: 0, end: 0 };
  const { acc, local } = accumulate(a, b, band);
  const at = (i: number, j: number) => i * (m + 1) + j;
  const costs: number[] = [];
  let i = n;
  const end = alignmentEnd((j) => acc[at(n, j)] as number, n, m, slack);
  let j = end.j;
  let from = 0;
  while (i > 0 && j > 0) {
    costs.push(local[at(i, j)] as number);
    if (i === 1) from = Math.max(from, j - 1);
    const diag = acc[at(i - 1, j - 1)] as number;
    const up = acc[at(i - 1, j)] as number;
    const left = acc[at(i, j - 1)] as number;
    if (diag <= up && diag <= left) {
      i--;
      j--;
    } else if (up <= left) i--;
    else j--;
  }
  const span = Math.min(window, costs.length);
  let sum = 0;
  for (let k = 0; k < span; k++) sum += costs[k] as number;
  let worst = sum;
  for (let k = span; k < costs.length; k++) {
    sum += (costs[k] as number) - (costs[k - span] as number);
    if (sum > worst) worst = sum;
  }
  return { distance: end.cost, peak: worst / span, from, end: end.j };
}

// ---- PCM <-> base64 (16-bit little-endian) ----
export function encodePcm(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-32768, Math.min(32767, Math.round((samples[i] as number) * 32767)));
    bytes[2 * i] = v & 0xff;
    bytes[2 * i + 1] = (v >> 8) & 0xff;
  }
  return bytesToBase64(bytes);
}

export function decodePcm(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const v = (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8);
    out[i] = (v >= 0x8000 ? v - 0x10000 : v) / 32768;
  }
  return out;
}

const sum = (xs: ArrayLike<number>): number => {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i] as number;
  return total;
};

/** The middle value (the upper of the two middle ones for an even count); undefined for none. */
const median = (xs: readonly number[]): number | undefined => [...xs].sort((x, y) => x - y)[xs.length >> 1];

/** A take's first frames that hold only its room: the VAD keeps 100 ms from before the speech (VadOptions.prerollMs), whole 25 ms frames. */
const LEAD_FRAMES = 7;

/**
 * How loud a take or utterance is where the features look: the mean power, over the mel bands
 * (300–3,400 Hz), of its loud frames (within 15 dB of its loudest; quiet edges do not dilute it).
 * Measured in the band, not over the whole signal, so a word heard over an 8 kHz headset link is
 * matched with wideband takes at the signal-to-noise ratio the features see (over the whole band,
 * with the room's power in it, the estimate was 2–6 dB off; the takes' rule took 3,316 → 3,464 of its
 * fit sets' commands at the limit, the model's 2,629 → 2,637). `less`: a room's power, taken off
 * every frame first (so the room's own frames are not counted as speech).
 */
export function bandPower(mels: readonly Float64Array[], less = 0): number {
  const frames = mels.map((e) => Math.max(0, sum(e) - less));
  const peak = frames.reduce((a, v) => Math.max(a, v), 0);
  const loud = frames.filter((x) => x > peak * 0.03);
  return sum(loud) / Math.max(1, loud.length);
}

/** The keyword model's mean opinion of the user's takes of each command (how well it knows this voice). */
function opinionOfTakes(model: KeywordModel, takes: readonly { command: VoiceCommand; mels: Float64Array[] }[]): Map<VoiceCommand, ModelOpinion> {
  const opinions = new Map<VoiceCommand, ModelOpinion>();
  for (const command of COMMANDS) {
    const of = takes.filter((t) => t.command === command).map((t) => modelOpinion(model, keywordFeaturesFromMels(t.mels), command));
    if (of.length > 0) opinions.set(command, { command: of.reduce((a, o) => a + o.command, 0) / of.length, other: of.reduce((a, o) => a + o.other, 0) / of.length });
  }
  return opinions;
}

interface Templates {
  /** In the order of the takes; `from`: the first frame of the take its features keep (mfccFromMels' span). */
  templates: { command: VoiceCommand; f: Features; from: number }[];
  spread: Map<VoiceCommand, number>;
  peaks: Map<VoiceCommand, number>;
  /** The median length (frames) of the user's takes of each command. */
  frames: Map<VoiceCommand, number>;
}

/** Noise this far below the speech changes nothing worth a recomputation. */
const CLEAN_SNR = 40;

/**
 * A take this many times further from the user's other takes of its word than they are from each
 * other is not like them. Chosen on the enrolments of the bench's tune, people-tune and accents-tune
 * speakers: with takeProblems, no good take of their 345 named; a take swapped for another word or
 * command always caught, for a near word ("snow" for "snooze") 94 of 115 times. Held out (test,
 * check, hard, people, accents): 1 of 720 good takes named; 717 of 720 swapped ones caught (near
 * words 237 of 240).
 */
export const UNLIKE_TAKE_RATIO = 4;

/**
 * A take whose speech is less than this far above the room it was said in (dB, in the features'
 * band; takeSnrDb) was recorded somewhere too loud. Takes carry their room into every comparison:
 * enrolled among other voices, a set of takes is spread out by them, and near words pass. Measured on
 * three tune voices, commands said clean and in noise (120) and near words (96): enrolled in a quiet
 * room, 2 near words accepted; among voices 30 / 25 / 20 dB down, 4 / 7 / 12 (commands 115 / 116 / 116);
 * in pink noise 20 / 15 dB down, 2 / 5 (commands 112 / 105) — before each take's own room was also
 * subtracted (takesOwnRoom: 5 / 8 and 2 / 2). Measured by takeSnrDb, those takes among voices 25 dB down
 * sit at 26.6 dB (median; 20.8 for the noisiest twentieth), 20 dB down at 21.6; in pink noise 20 dB
 * down at 23.0. Held out (the test voices, cut by the VAD as the panel records): in a silent room or
 * pink noise 30–40 dB down no take of 210 is named; among voices 25 dB down 24 (10 of 14 enrolments),
 * 20 dB down 131 (all 14).
 */
export const NOISY_TAKE_SNR_DB = 25;

/**
 * How far a take's speech stands above the room it was said in, in the features' band (dB; 80 when
 * the room was silent): the room is the take's first 100 ms — the VAD keeps that much from before the
 * speech began — as the median of its frames (a word's onset the VAD heard late may reach into the
 * last of them). The median of the whole band's power, not band by band as ownRoom takes it: among
 * voices the bands rise and fall apart, and their medians added up would put the room lower.
 */
export function takeSnrDb(mels: readonly Float64Array[]): number {
  const room = median(mels.slice(0, LEAD_FRAMES).map(sum)) ?? 0;
  if (room <= 0) return 80;
  return Math.min(80, 10 * Math.log10(Math.max(bandPower(mels, room), 1e-30) / room));
}

/** The room a take was said in, per mel band: the median of its first 100 ms (the VAD's preroll) band by band. */
function ownRoom(mels: readonly Float64Array[]): Float64Array {
  const lead = mels.slice(0, LEAD_FRAMES);
  return Float64Array.from({ length: mels[0]?.length ?? 0 }, (_, m) => median(lead.map((e) => e[m] as number)) ?? 0);
}

type Bands = ReturnType<typeof bandPowers>;
const QUIET = { mid: 0, high: 0 };

/** Frames `from`…`to` − 1 of both bands. */
function within(b: Bands, from: number, to: number): Bands {
  return { mid: b.mid.subarray(from, to), high: b.high.subarray(from, to) };
}

/** A stretch's mean power per frame in both bands (bandPowers): the room's. */
function meanBands(b: Bands): { mid: number; high: number } {
  const n = Math.max(1, b.mid.length);
  return { mid: sum(b.mid) / n, high: sum(b.high) / n };
}

/** Whether a signal carries the high band at all: its power there at least 10⁻³ of the features' band's (a narrowband link's is far less). */
function carriesHighBand(b: Bands): boolean {
  return sum(b.high) >= 1e-3 * sum(b.mid);
}

/**
 * The hiss's share of a word (natural log): its power above 4 kHz over its power in the features'
 * band, the room's taken off each frame. The hiss counts from a floor: a fifth of the room's high band
 * per frame (less than that cannot be told from the room's own ups and downs) or 10⁻⁴ of the speech —
 * so in a room loud up there, a word and the takes both sit at the floor and nothing is concluded.
 * (The room taken off twice, as the features oversubtract, and a floor of a tenth: the speakers of the
 * "hard" set said "repeat" in pink noise 10 dB down at a median of 0.52, against 0.37 — its faint hiss
 * sits about at the room's, where a threshold at twice the room cuts it away in one take and not in
 * another.)
 */
function hissShare(b: Bands, room: { mid: number; high: number }): number {
  let high = 0;
  let mid = 0;
  for (let f = 0; f < b.mid.length; f++) {
    high += Math.max(0, (b.high[f] as number) - room.high);
    mid += Math.max(0, (b.mid[f] as number) - room.mid);
  }
  const floor = Math.max(0.2 * room.high * b.mid.length, 1e-4 * mid);
  return Math.log((high + floor + 1e-12) / (mid + 1e-12));
}

/** A take that would spoil the enrolment (CommandRecognizer.takeProblems): `take` counts from 0 among the command's takes. */
export type TakeProblem =
  | { command: VoiceCommand; take: number; problem: 'like-other'; other: VoiceCommand }
  | { command: VoiceCommand; take: number; problem: 'unlike-others'; ratio: number }
  | { command: VoiceCommand; take: number; problem: 'noisy'; snrDb: number };

/** An enrolment take as the recognizer keeps it. */
interface Take {
  command: VoiceCommand;
  audio: Float32Array;
  /** bandPower of the take. */
  power: number;
  /** The room the take was said in, per mel band (ownRoom). */
  room: Float64Array;
  mels: Float64Array[];
  /** Its frames' spectra, once there is noise to mix in (templatesFor) or a hiss to measure (missingHiss). */
  spectra?: Spectra;
  /** Its band powers as recorded (missingHiss in a quiet room), once measured. */
  bands?: Bands;
}

export class CommandRecognizer {
  private readonly o: RecognizerOptions;
  private readonly takes: Take[];
  private clean: Templates | undefined;
  /** Per command, the keyword model's mean opinion of the user's own takes of it (how well it knows this voice; none without a model). */
  private readonly takesOpinion: ReadonlyMap<VoiceCommand, ModelOpinion>;

  /**
   * `model`: the shipped keyword model as a second opinion (see keyword-model.ts); without it
   * the user's takes decide alone, by their own rule.
   */
  constructor(
    enrolment: Enrolment,
    options: Partial<RecognizerOptions> = {},
    private readonly model?: KeywordModel,
  ) {
    this.o = { ...RECOGNIZER_DEFAULTS, ...options };
    this.takes = enrolment.takes.map((t) => {
      const audio = decodePcm(t.pcm);
      const mels = melPowers(audio);
      return { command: t.command, audio, power: bandPower(mels), mels, room: ownRoom(mels) };
    });
    // Now rather than at the first utterance (15 takes through the model: not on a decision's clock).
    this.takesOpinion = model ? opinionOfTakes(model, this.takes) : new Map();
  }

  /** Which commands are enrolled (with at least two takes, so there is a spread to measure). */
  get enrolled(): VoiceCommand[] {
    return COMMANDS.filter((c) => this.takes.filter((t) => t.command === c).length >= 2);
  }

  /**
   * Classifies one utterance. `noise` is what the microphone heard just before it
   * (empty when unknown): the takes are compared in that same noise.
   */
  classify(utterance: Float32Array, noise: Float32Array = new Float32Array(0)): Decision {
    if (this.enrolled.length === 0) return { decision: 'reject', reason: 'not enrolled' };
    const ms = (utterance.length * 1000) / SAMPLE_RATE;
    if (ms < this.o.minMs) return { decision: 'reject', reason: 'too short' };
    if (this.o.minVoicedFrames > 0 && voicedFrames(utterance, this.o.minVoicedFrames) < this.o.minVoicedFrames) return { decision: 'reject', reason: 'not speech' };
    // One mel analysis serves both the template features and the keyword model's input.
    const mels = melPowers(utterance);
    // The speech's power: what was heard less the room's (in the features' band). A stretch hardly
    // above the room — another voice the VAD cut in babble — is taken as 10 dB below what was heard.
    const heardRoom = noise.length >= HOP * 5 ? meanMelPower(noise) : undefined;
    const roomPower = heardRoom ? sum(heardRoom) : 0;
    const speechPower = Math.max(bandPower(mels, roomPower), bandPower(mels) / 10);
    const snrDb = roomPower > 0 ? Math.min(60, 10 * Math.log10(speechPower / roomPower)) : 60;
    // In noise, the room's own noise is what is subtracted, from the utterance and the takes alike.
    // Noise to speak of: a stretch of the room, and the speech less than CLEAN_SNR above it (60 when no room was heard).
    const room = snrDb < CLEAN_SNR ? heardRoom : undefined;
    const span = { from: 0, to: 0 };
    const f = mfccFromMels(mels, room, span);
    const spoken = (f.length * HOP * 1000) / SAMPLE_RATE;
    if (spoken < this.o.minMs) return { decision: 'reject', reason: 'too short' };
    if (spoken > this.o.maxMs) return { decision: 'reject', reason: 'too long' };

    const bed = room ? this.bedOf(noise) : undefined;
    const { templates, spread, peaks, frames } = this.templatesFor(speechPower, bed, room);
    const per = new Map<VoiceCommand, number[]>();
    /** Per command, its nearest take (index into templates). */
    const nearest = new Map<VoiceCommand, { d: number; i: number }>();
    for (const [i, t] of templates.entries()) {
      const list = per.get(t.command) ?? [];
      const d = dtw(f, t.f, this.o.band, this.o.endSlack);
      list.push(d);
      per.set(t.command, list);
      if (d < (nearest.get(t.command)?.d ?? Infinity)) nearest.set(t.command, { d, i });
    }
    // The full alignment of a take (its path: worst stretch, the part of the take used), each at most once.
    const alignments = new Map<number, ReturnType<typeof dtwAlignment>>();
    const alignment = (i: number) => {
      let a = alignments.get(i);
      if (!a) alignments.set(i, (a = dtwAlignment(f, (templates[i] as Templates['templates'][number]).f, this.o.band, 8, this.o.endSlack)));
      return a;
    };
    // Per command: the mean of its two nearest takes (one lucky match is not enough).
    const scores = [...per]
      .filter(([c]) => this.enrolled.includes(c))
      .map(([command, ds]) => {
        ds.sort((x, y) => x - y);
        const k = Math.min(2, ds.length);
        return { command, d: ds.slice(0, k).reduce((a, b) => a + b, 0) / k };
      })
      .sort((x, y) => x.d - y.d);
    const best = scores[0] as { command: VoiceCommand; d: number };
    const runnerUp = scores[1]?.d ?? Infinity;
    const relative = best.d / (spread.get(best.command) ?? 1);
    const ratio = best.d / runnerUp;
    // The worst stretch against the closest take of the winning command, relative to the user's own.
    const worst = alignment((nearest.get(best.command) as { i: number }).i).peak;
    const peak = worst / (peaks.get(best.command) ?? 1);
    const model = this.model ? modelOpinion(this.model, keywordFeaturesFromMels(mels), best.command) : undefined;
    const takesModel = this.takesOpinion.get(best.command);
    const by = model && this.modelKnows(takesModel) ? 'model' : 'takes';
    // How long the utterance is against the user's takes of that command ("acknowledgement" runs on).
    const length = f.length / (frames.get(best.command) ?? f.length);
    const highBand = this.missingHiss(best.command, { utterance, span }, templates, alignment, speechPower, bed && room && heardRoom ? { bed, room: meanBands(bandPowers(spectra(noise))) } : undefined);
    const rule = by === 'model' ? this.o.withModel : this.o.templates;
    const score = ruleScore(rule, { command: best.command, relative, ratio, peak, length, highBand, ...(by === 'model' && model ? { model } : {}) });
    const opinions = { by, ...(model ? { model } : {}), ...(takesModel ? { takesModel } : {}) } as const;
    const base = { command: best.command, distance: best.d, relative, ratio, peak, worst, score, snrDb, length, highBand, ...opinions };
    if (score >= rule.accept) return { decision: 'accept', ...base };
    if (score >= rule.unsure) return { decision: 'unsure', ...base };
    return { decision: 'reject', reason: ratio > this.o.ambiguousRatio ? 'ambiguous' : 'no match', command: best.command, relative, ratio, peak, worst, score, snrDb, length, highBand, ...opinions };
  }

  /**
   * Takes to record again, at most one per command with three or more takes: a take nearer, on
   * average, to another command's takes than to its own others ("sounds like snooze": the wrong word
   * said); else the one said in the loudest room, if its speech was less than NOISY_TAKE_SNR_DB above
   * it (named before a take merely unlike the others: the room is the likelier cause, and recording
   * again in it would not help); else one UNLIKE_TAKE_RATIO times further from its own others than
   * they are from each other (a cough, a word cut short, another word). Compared as the recognizer
   * compares: DTW over the clean features.
   */
  takeProblems(): TakeProblem[] {
    const { templates } = this.cleanTemplates();
    const problems: TakeProblem[] = [];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    for (const command of COMMANDS) {
      const mine = templates.filter((t) => t.command === command);
      if (mine.length < TAKES_PER_COMMAND) continue;
      // Takes against takes: all cut alike in the quiet of enrolment, no tail to leave over (endSlack 0, as UNLIKE_TAKE_RATIO was chosen).
      const d = mine.map((a) => mine.map((b) => (a === b ? 0 : dtw(a.f, b.f, this.o.band, 0))));
      const own = mine.map((_, i) => mean(d[i]!.filter((_, j) => j !== i)));
      // Nearer to another word's takes than to its own others: the wrong word was said.
      let like: { take: number; other: VoiceCommand; by: number } | undefined;
      for (const [i, take] of mine.entries())
        for (const other of COMMANDS) {
          const theirs = templates.filter((t) => t.command === other);
          if (other === command || theirs.length < 2) continue;
          const by = mean(theirs.map((t) => dtw(take.f, t.f, this.o.band, 0))) / (own[i] as number);
          if (by < (like?.by ?? 1)) like = { take: i, other, by };
        }
      if (like) {
        problems.push({ command, take: like.take, problem: 'like-other', other: like.other });
        continue;
      }
      // Else a take said where it was loud (which also makes it unlike the others: recording it again
      // in the same room would not help).
      const noisiest = this.takes
        .filter((t) => t.command === command)
        .map((t, take) => ({ take, snrDb: takeSnrDb(t.mels) }))
        .sort((a, b) => a.snrDb - b.snrDb)[0];
      if (noisiest && noisiest.snrDb < NOISY_TAKE_SNR_DB) {
        problems.push({ command, take: noisiest.take, problem: 'noisy', snrDb: Math.round(noisiest.snrDb * 10) / 10 });
        continue;
      }
      // Else the take least like the others, against how far those are from each other.
      let worst = { take: -1, ratio: 0 };
      for (let i = 0; i < mine.length; i++) {
        const rest: number[] = [];
        for (let j = 0; j < mine.length; j++) for (let k = j + 1; k < mine.length; k++) if (j !== i && k !== i) rest.push((d[j] as number[])[k] as number);
        rest.sort((x, y) => x - y);
        const ratio = (own[i] as number) / Math.max(rest[Math.floor(rest.length / 2)] ?? 0, 1e-6);
        if (ratio > worst.ratio) worst = { take: i, ratio };
      }
      if (worst.ratio > UNLIKE_TAKE_RATIO) problems.push({ command, take: worst.take, problem: 'unlike-others', ratio: worst.ratio });
    }
    return problems;
  }

  /** Enrolled commands the keyword model does not recognise in the user's takes: the takes decide them alone (none without a model). */
  takesAlone(): VoiceCommand[] {
    if (!this.model) return [];
    return this.enrolled.filter((c) => !this.modelKnows(this.takesOpinion.get(c)));
  }

  /** Whether the model's opinion of the user's takes of a command is sure enough to count (modelTrust). */
  private modelKnows(takes: ModelOpinion | undefined): boolean {
    return (takes?.command ?? 0) >= this.o.modelTrust;
  }

  /** The room's noise repeated to the longest take's length, as spectra: what is mixed into the takes (templatesFor, missingHiss). */
  private bedOf(noise: Float32Array): Spectra {
    const longest = Math.max(...this.takes.map((t) => t.audio.length));
    const bed = new Float32Array(longest);
    for (let i = 0; i < longest; i++) bed[i] = noise[i % noise.length] as number;
    return spectra(bed);
  }

  /**
   * How much of the hiss of the user's takes of `command` the utterance lacks (the hiss's share,
   * hissShare: the takes' median less the utterance's, at least 0), each as heard in the room — the
   * takes mixed with it at the utterance's level (`room.bed`, as templatesFor mixes them) — and with
   * the room's power taken off. null when the utterance or a take carries no high band (a narrowband link).
   */
  private missingHiss(command: VoiceCommand, said: { utterance: Float32Array; span: { from: number; to: number } }, templates: Templates['templates'], alignment: (take: number) => { from: number; end: number }, speechPower: number, room?: { bed: Spectra; room: { mid: number; high: number } }): number | null {
    const all = bandPowers(spectra(said.utterance));
    if (!carriesHighBand(all)) return null;
    const heard = within(all, said.span.from, said.span.to + 1);
    const shares: number[] = [];
    for (const [i, t] of this.takes.entries()) {
      if (t.command !== command) continue;
      t.spectra ??= spectra(t.audio);
      const gain = room ? Math.sqrt(t.power / speechPower) : 0;
      const bands = room ? bandPowers(t.spectra, { b: room.bed, gain }) : (t.bands ??= bandPowers(t.spectra));
      if (!carriesHighBand(bands)) return null;
      // Only the part of the take the word was aligned with: not a tail the alignment left over, nor a
      // head crammed into the word's first frame (in noise the VAD may begin a word after its soft first
      // sound — the "s" of "snooze" in white noise — or end it before its last).
      const template = templates[i] as Templates['templates'][number];
      const part = alignment(i);
      shares.push(hissShare(within(bands, template.from + part.from, template.from + part.end), room ? { mid: room.room.mid * gain * gain, high: room.room.high * gain * gain } : QUIET));
    }
    const theirs = median(shares);
    return theirs === undefined ? null : Math.max(0, theirs - hissShare(heard, room?.room ?? QUIET));
  }

  /** The takes as heard in the room `bed` (bedOf) with the speech at `speechPower` (bandPower), less the room's noise `room` (cached when there is no noise to speak of). */
  private templatesFor(speechPower: number, bedSpectra: Spectra | undefined, room: Float64Array | undefined): Templates {
    if (!room || !bedSpectra) return this.cleanTemplates();
    // The take plus the room's own noise (repeated to the take's length), scaled so the take sits as
    // far above it as the utterance does. (Adding the noise's average power instead — smooth templates —
    // was measured worse.) Mixed spectrum by spectrum: the noise's frames are transformed once for all
    // the takes, each take's once for all decisions (melPowersOfMix).
    // What is subtracted is the noise as mixed in — the room scaled by the same gain, squared (powers) —
    // so that take and utterance are treated alike whatever their levels: a microphone set louder or
    // softer than at enrolment changes nothing. (Subtracting the room as heard took more than its noise
    // from a take quieter than the utterance, and left some in a louder one: the test speakers with the
    // microphone 6 dB louder than at enrolment fell from 98.0 to 79.9 %, in pink and white noise 10 dB to
    // 66–67 %; 6 dB softer, the takes were left noisier than the utterance and 1.4 % of other words passed.)
    return this.build((t) => {
      t.spectra ??= spectra(t.audio);
      const gain = Math.sqrt(t.power / speechPower);
      return { mels: melPowersOfMix(t.spectra, bedSpectra, gain), room: room.map((v, m) => v * gain * gain + (this.o.takesOwnRoom ? (t.room[m] as number) : 0)) };
    });
  }

  /** The takes as recorded (no room to mix in), built once. */
  private cleanTemplates(): Templates {
    return (this.clean ??= this.build((t) => ({ mels: t.mels })));
  }

  private build(melsOf: (t: Take) => { mels: Float64Array[]; room?: Float64Array }): Templates {
    const templates = this.takes.map((t) => {
      const { mels, room } = melsOf(t);
      const span = { from: 0, to: 0 };
      return { command: t.command, f: mfccFromMels(mels, room, span), from: span.from };
    });
    // The user's own spread per command: the median distance (and worst stretch) between their takes of it.
    const spread = new Map<VoiceCommand, number>();
    const peaks = new Map<VoiceCommand, number>();
    const frames = new Map<VoiceCommand, number>();
    for (const c of COMMANDS) {
      const mine = templates.filter((t) => t.command === c);
      if (mine.length) frames.set(c, median(mine.map((t) => t.f.length)) as number);
      const ds: number[] = [];
      const ps: number[] = [];
      for (let i = 0; i < mine.length; i++)
        for (let j = i + 1; j < mine.length; j++) {
          const both = dtwAlignment(mine[i]!.f, mine[j]!.f, this.o.band, 8, this.o.endSlack);
          ds.push(both.distance);
          ps.push(both.peak);
        }
      if (ds.length) {
        spread.set(c, median(ds) as number);
        peaks.set(c, median(ps) as number);
      }
    }
    // Takes that are (nearly) identical — a recording played three times — say nothing about
    // how the user varies: never let a word's spread fall below half the typical one.
    for (const m of [spread, peaks]) {
      const typical = m.size ? (median([...m.values()]) as number) : 1;
      for (const [c, v] of m) m.set(c, Math.max(v, typical / 2, 1e-6));
    }
    return { templates, spread, peaks, frames };
  }
}
