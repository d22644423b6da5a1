/**
 * Voice commands in the UI, framework-free (the panel and the indicator read its
 * state): when an announcement about an incident finishes playing, or while
 * push-to-talk is held, it plays a cue, opens the microphone for the listening
 * window, and hands what the listener decides to the api (act + confirm aloud).
 * "Say again?" is spoken, then the window reopens once. Enrolment records takes
 * through the same microphone and VAD.
 */
import { SAMPLE_RATE } from '../../../shared/voice/features';
import { VoiceListener, type ListenerClock, type ListenerEvent } from '../../../shared/voice/listener';
import type { KeywordModel } from '../../../shared/voice/keyword-model';
import { COMMANDS, CommandRecognizer, encodePcm, sensitivityOptions, TAKES_PER_COMMAND, type Decision, type Enrolment, type Sensitivity, type TakeProblem, type VoiceCommand } from '../../../shared/voice/recognizer';
import { TakeCutter } from '../../../shared/voice/take';
import type { EarshotApi } from '../../../shared/ipc/contract';
import type { PlayerStatus } from '../speech/announcement-player';
import { MicrophoneError, type MicrophoneHandle, type OpenMicrophone } from './microphone';

export interface VoiceState {
  enabled: boolean;
  /** Commands with all their takes recorded. */
  enrolled: VoiceCommand[];
  takes: Record<VoiceCommand, number>;
  listening: { incidentId: number | null; until: number; reason: string } | null;
  /** What was last heard, in words ("acknowledge (sure)", "not a command"), and the numbers behind it. */
  heard: string | null;
  heardDetail: string | null;
  microphone: 'unknown' | 'granted' | 'denied' | 'unavailable';
  /** The shipped keyword model (a second opinion that helps in noise): loading, in use, or not (your takes decide alone). */
  model: 'loading' | 'ready' | 'unavailable';
  /** Enrolled commands the model does not recognise in your takes: your takes decide them alone. */
  takesAlone: VoiceCommand[];
  /** Takes worth recording again (the wrong word said, a cough, a word cut short): at most one per command. */
  takeProblems: TakeProblem[];
  /** How sure before acting (kept with the takes). */
  sensitivity: Sensitivity;
  error: string | null;
}

export interface VoiceControllerOptions {
  api: Pick<EarshotApi, 'voiceCommand'>;
  openMic: OpenMicrophone;
  cue: (kind: 'start' | 'stop') => void;
  load: () => Enrolment;
  save: (e: Enrolment) => void;
  clock?: ListenerClock;
  windowMs?: number;
  /** Delay between the cue and opening the microphone (so the cue is not heard as the room). */
  cueMs?: number;
  /** Loads the keyword model (bundled with the app, never downloaded); without it, the user's takes decide alone. */
  loadModel?: () => Promise<KeywordModel>;
}

const browserClock: ListenerClock = { now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

function describe(d: Decision): string {
  if (d.decision !== 'reject') return d.decision === 'accept' ? `“${d.command}”` : `maybe “${d.command}” — not sure`;
  return d.reason === 'too long' ? 'speech, but not a command' : d.reason === 'too short' || d.reason === 'not speech' ? 'a noise' : 'not a command';
}

function detail(d: Decision, ms: number): string {
  const n = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  const model = d.model ? `, model ${Math.round(100 * d.model.command)} % “${d.command ?? '?'}” / ${Math.round(100 * d.model.other)} % other` : '';
  const alone = d.model && d.by === 'takes' ? ' (not counted: it does not recognise your takes of this word)' : '';
  return `${d.decision}${d.decision === 'reject' ? ` (${d.reason})` : ''}: distance ×${n(d.relative)} of your own spread, ${n(d.ratio)} of the next word, worst stretch ×${n(d.peak)}${model}${alone}, score ${n(d.score)}; decided in ${Math.round(ms)} ms`;
}

export class VoiceController {
  private enrolment: Enrolment;
  private recognizer: CommandRecognizer | null = null;
  private model: KeywordModel | null = null;
  private disposed = false;
  private readonly listener: VoiceListener;
  private mic: MicrophoneHandle | null = null;
  private lastStatus: PlayerStatus = { state: 'idle' };
  /** After "Say again?" is spoken, listen once more for this incident. */
  private sayAgainFor: { incidentId: number | null } | null = null;
  private state: VoiceState;
  /** The takes `takeProblems` was worked out for (recordTake and forget replace the array). */
  private checkedTakes: Enrolment['takes'] | null = null;
  private takeProblems: TakeProblem[] = [];
  private readonly listeners = new Set<(s: VoiceState) => void>();
  private readonly clock: ListenerClock;

  constructor(private readonly o: VoiceControllerOptions) {
    this.clock = o.clock ?? browserClock;
    this.enrolment = o.load();
    this.state = { enabled: false, enrolled: [], takes: this.countTakes(), listening: null, heard: null, heardDetail: null, microphone: 'unknown', model: o.loadModel ? 'loading' : 'unavailable', takesAlone: [], takeProblems: [], sensitivity: this.enrolment.sensitivity ?? 'normal', error: null };
    this.listener = new VoiceListener(() => this.recognizer, this.clock, { windowMs: o.windowMs ?? 6_000 });
    this.listener.on((e) => this.onListener(e));
    this.rebuild();
    o.loadModel?.().then(
      (model) => {
        if (this.disposed) return;
        this.model = model;
        this.rebuild();
        this.set({ model: 'ready' });
      },
      (err: unknown) => {
        // Voice still works on the user's takes alone; say so where the numbers are shown.
        if (this.disposed) return;
        this.set({ model: 'unavailable', heardDetail: `keyword model not loaded (${(err as Error).message}); your takes decide alone` });
      },
    );
  }

  get value(): VoiceState {
    return this.state;
  }

  subscribe(listener: (s: VoiceState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setEnabled(enabled: boolean): void {
    if (!enabled) this.listener.stop('closed');
    this.set({ enabled });
  }

  /** Called with every player status: an announcement about an incident that just finished opens a window. */
  onPlayerStatus(status: PlayerStatus): void {
    const before = this.lastStatus;
    this.lastStatus = status;
    // Earshot speaks again (something more urgent): stop listening, so it never hears itself.
    if (status.state === 'playing' && this.listener.listening) this.listener.stop('closed');
    const finished = before.state === 'playing' && status.state !== 'playing';
    if (!finished || !this.state.enabled) return;
    if (this.sayAgainFor) {
      const { incidentId } = this.sayAgainFor;
      this.sayAgainFor = null;
      this.listener.start(incidentId, 'say-again', true);
      return;
    }
    // Only announcements that call for action: a new, re-triggered or repeated incident (not "acknowledged by …", not confirmations).
    const asksForAction = before.kind === 'new' || before.kind === 'retriggered' || before.kind === 'repeat';
    if (before.incidentId !== undefined && asksForAction && status.error === undefined) this.listener.start(before.incidentId, 'announcement');
  }

  /** Push-to-talk: held → listen about this incident (the last announced, else the selected). */
  pushToTalk(down: boolean, incidentId: number | null): void {
    if (down && this.state.enabled) this.listener.start(incidentId, 'push-to-talk');
    else if (this.state.listening?.reason === 'push-to-talk') {
      // Released: give the VAD its hangover to finish a word said just before release.
      this.clock.setTimer(() => {
        if (this.state.listening?.reason === 'push-to-talk') this.listener.stop('closed');
      }, 400);
    }
  }

  /** "Try it": a window that shows what was heard and does nothing with it. */
  tryIt(): void {
    this.listener.start(null, 'test');
  }

  /** Stop listening now (the cancel button, Escape). */
  cancel(): void {
    this.listener.stop('cancelled');
  }

  /** Records one enrolment take of a command: the first word said within `timeoutMs`, cut as the listener hears a word (TakeCutter). */
  async recordTake(command: VoiceCommand, timeoutMs = 4_000): Promise<void> {
    // The word as the listener would hear it: a stretch and any that follows within its join gap.
    const cutter = new TakeCutter();
    let done: ((s: Float32Array | null) => void) | undefined;
    const heard = new Promise<Float32Array | null>((resolve) => (done = resolve));
    const timer = this.clock.setTimer(() => done?.(cutter.finish()), timeoutMs);
    this.o.cue('start');
    let mic: MicrophoneHandle | undefined;
    try {
      // The cue first, then the microphone, as for a listening window: the tone heard through a
      // laptop's speakers would otherwise be the take's room (its first 100 ms), and the take named loud.
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.o.cueMs ?? 150));
      if (this.disposed) return; // disposed during the tone (the app closing): no microphone
      mic = await this.o.openMic((chunk) => {
        const take = cutter.push(chunk);
        if (take) done?.(take);
      });
      this.set({ microphone: 'granted', error: null });
      const take = await heard;
      if (!take) throw new Error(`nothing heard: say “${command}” after the tone`);
      if (take.length > SAMPLE_RATE * 2) throw new Error('that was too long for one word; try again');
      this.enrolment = { ...this.enrolment, takes: [...this.enrolment.takes, { command, pcm: encodePcm(take) }] };
      this.o.save(this.enrolment);
      this.rebuild();
    } catch (err) {
      this.fail(err);
      throw err;
    } finally {
      this.clock.clearTimer(timer);
      mic?.close();
    }
  }

  /** How sure the recognizer must be before acting; kept with the takes, on this device. */
  setSensitivity(sensitivity: Sensitivity): void {
    this.enrolment = { ...this.enrolment, sensitivity };
    this.o.save(this.enrolment);
    this.rebuild();
  }

  /** Deletes the takes of one command (to record it again), or all of them. */
  forget(command?: VoiceCommand): void {
    this.enrolment = { ...this.enrolment, takes: command ? this.enrolment.takes.filter((t) => t.command !== command) : [] };
    this.o.save(this.enrolment);
    this.rebuild();
  }

  dispose(): void {
    this.disposed = true;
    this.listener.stop('closed');
    this.closeMic();
    this.listeners.clear();
  }

  private onListener(e: ListenerEvent): void {
    switch (e.type) {
      case 'listening':
        this.set({ listening: { incidentId: e.incidentId, until: e.until, reason: e.reason }, heard: null });
        this.o.cue('start');
        this.clock.setTimer(() => void this.openMic(), this.o.cueMs ?? 150); // the cue first, then the microphone
        return;
      case 'heard':
        this.set({ heard: describe(e.decision), heardDetail: detail(e.decision, e.decidedInMs) });
        return;
      case 'command':
        if (!e.test) void this.o.api.voiceCommand(e.command, e.incidentId).catch((err: unknown) => this.fail(err));
        return;
      case 'say-again':
        this.sayAgainFor = { incidentId: e.incidentId };
        void this.o.api.voiceCommand('say-again', e.incidentId).catch((err: unknown) => this.fail(err));
        return;
      case 'stopped':
        this.closeMic();
        this.set({ listening: null });
        if (e.why === 'timeout' || e.why === 'cancelled') this.o.cue('stop');
        return;
    }
  }

  private async openMic(): Promise<void> {
    if (!this.listener.listening || this.mic) return;
    try {
      const handle = await this.o.openMic((chunk) => this.listener.push(chunk));
      if (!this.listener.listening) {
        handle.close(); // the window closed while the microphone was opening
        return;
      }
      this.mic = handle;
      this.set({ microphone: 'granted' });
    } catch (err) {
      this.fail(err);
      this.listener.stop('closed');
    }
  }

  private closeMic(): void {
    this.mic?.close();
    this.mic = null;
  }

  private fail(err: unknown): void {
    if (err instanceof MicrophoneError) this.set({ microphone: err.kind, error: err.kind === 'denied' ? 'Microphone access was refused. Allow it in the browser or system settings to use voice commands.' : err.message });
    else this.set({ error: (err as Error).message });
  }

  private countTakes(): Record<VoiceCommand, number> {
    return Object.fromEntries(COMMANDS.map((c) => [c, this.enrolment.takes.filter((t) => t.command === c).length])) as Record<VoiceCommand, number>;
  }

  private rebuild(): void {
    const takes = this.countTakes();
    const enrolled = COMMANDS.filter((c) => takes[c] >= TAKES_PER_COMMAND);
    const sensitivity = this.enrolment.sensitivity ?? 'normal';
    this.recognizer = enrolled.length > 0 ? new CommandRecognizer(this.enrolment, sensitivityOptions(sensitivity), this.model ?? undefined) : null;
    // The takes' check depends on the takes alone: not again when the model loads or the sensitivity changes.
    if (this.checkedTakes !== this.enrolment.takes) {
      this.checkedTakes = this.enrolment.takes;
      this.takeProblems = this.recognizer?.takeProblems() ?? [];
    }
    this.set({ takes, enrolled, takesAlone: this.recognizer?.takesAlone() ?? [], takeProblems: this.takeProblems, sensitivity });
  }

  private set(patch: Partial<VoiceState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }
}
