/**
 * Plays announcements in the right ear: each utterance's WAV on the chosen
 * output (setSinkId), falling back to the system default when that device is
 * gone — before or during playback — instead of failing silently.
 *
 * While it announces (and for `holdMs` after), it holds the Media Session, so
 * an AirPods press arrives here: play/pause acknowledges the incident just
 * announced, next track snoozes it. Otherwise it lets go of the media keys so
 * music apps keep them.
 */
import { pickOutputDevice, type OutputChoice, type OutputSetting } from '../../../shared/announce/output-device';
import type { Announcement, EarshotApi } from '../../../shared/ipc/contract';

export interface PlayerStatus {
  state: 'idle' | 'playing' | 'holding';
  utteranceId?: number;
  incidentId?: number;
  kind?: Announcement['kind'];
  text?: string;
  output?: OutputChoice;
  /** Set when playback moved to the default device. */
  fallback?: string;
  error?: string;
}

/** HTMLMediaElement.setSinkId is not in every DOM lib yet. */
type SinkAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };

export interface PlayerOptions {
  api: Pick<EarshotApi, 'announcementEnded' | 'mediaKey'>;
  output: () => OutputSetting;
  onStatus?: (status: PlayerStatus) => void;
  holdMs?: number;
  createAudio?: () => SinkAudio;
  mediaDevices?: Pick<MediaDevices, 'enumerateDevices' | 'addEventListener' | 'removeEventListener'> | undefined;
  mediaSession?: MediaSession | undefined;
}

const MEDIA_ACTIONS: MediaSessionAction[] = ['play', 'pause', 'nexttrack'];

export class AnnouncementPlayer {
  private audio: SinkAudio | undefined;
  private current: Announcement | undefined;
  private url: string | undefined;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private status: PlayerStatus = { state: 'idle' };
  private readonly holdMs: number;
  private readonly onDeviceChange = () => void this.checkDevice();

  constructor(private readonly o: PlayerOptions) {
    this.holdMs = o.holdMs ?? 8_000;
    this.o.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
  }

  async play(announcement: Announcement): Promise<void> {
    this.finish('stopped');
    this.current = announcement;
    const audio = (this.o.createAudio ?? (() => new Audio() as SinkAudio))();
    this.audio = audio;
    this.url = URL.createObjectURL(new Blob([announcement.audio as BlobPart], { type: 'audio/wav' }));
    audio.src = this.url;
    const output = await this.chooseOutput();
    let fallback: string | undefined;
    if (output.deviceId && audio.setSinkId) {
      try {
        await audio.setSinkId(output.deviceId);
      } catch (err) {
        fallback = `${output.label} unavailable (${(err as Error).name}): system default`;
        await audio.setSinkId('').catch(() => undefined);
      }
    }
    if (this.audio !== audio) return; // replaced while choosing a device
    audio.onended = () => this.finish('ended');
    audio.onerror = () => void this.recover(audio, 'the audio could not play on that device');
    this.hold(announcement);
    this.setStatus({ state: 'playing', utteranceId: announcement.utteranceId, ...(announcement.incidentId ? { incidentId: announcement.incidentId } : {}), ...(announcement.kind ? { kind: announcement.kind } : {}), text: announcement.text, output, ...(fallback ? { fallback } : {}) });
    try {
      await audio.play();
    } catch (err) {
      if (this.audio === audio) this.finish('failed', `${(err as Error).name}: ${(err as Error).message}`);
    }
  }

  /** Stop the given utterance (or whatever plays) now. */
  stop(utteranceId?: number): void {
    if (!this.current || (utteranceId !== undefined && this.current.utteranceId !== utteranceId)) return;
    this.finish('stopped');
  }

  dispose(): void {
    this.finish('stopped');
    this.release();
    this.o.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
  }

  get state(): PlayerStatus {
    return this.status;
  }

  private async chooseOutput(): Promise<OutputChoice> {
    const setting = this.o.output();
    if (setting.mode === 'default' || !this.o.mediaDevices) return pickOutputDevice([], { mode: 'default' });
    try {
      return pickOutputDevice(await this.o.mediaDevices.enumerateDevices(), setting);
    } catch {
      return pickOutputDevice([], setting);
    }
  }

  /** The chosen device vanished mid-utterance (AirPods back in the case): carry on on the default. */
  private async checkDevice(): Promise<void> {
    const audio = this.audio;
    const sink = audio?.sinkId;
    if (!audio || !sink || !this.o.mediaDevices || !audio.setSinkId) return;
    const devices = await this.o.mediaDevices.enumerateDevices().catch(() => []);
    if (devices.some((d) => d.kind === 'audiooutput' && d.deviceId === sink)) return;
    await audio.setSinkId('').catch(() => undefined);
    this.setStatus({ ...this.status, fallback: 'the output device disconnected: system default' });
  }

  private async recover(audio: SinkAudio, why: string): Promise<void> {
    if (this.audio !== audio) return;
    if (audio.sinkId && audio.setSinkId && !this.status.fallback) {
      try {
        await audio.setSinkId('');
        this.setStatus({ ...this.status, fallback: `${why}: system default` });
        await audio.play();
        return;
      } catch {
        // fall through: report the failure
      }
    }
    this.finish('failed', why);
  }

  private finish(outcome: 'ended' | 'stopped' | 'failed', detail?: string): void {
    const done = this.current;
    const audio = this.audio;
    this.current = undefined;
    this.audio = undefined;
    if (audio) {
      audio.onended = null;
      audio.onerror = null;
      audio.pause();
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = undefined;
    if (!done) return;
    void this.o.api.announcementEnded(done.utteranceId, outcome, detail).catch(() => undefined);
    // Keep the media keys a little longer, so a press right after the sentence still counts.
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.release(), this.holdMs);
    const { output, fallback } = this.status;
    this.setStatus({
      state: 'holding',
      utteranceId: done.utteranceId,
      ...(done.incidentId ? { incidentId: done.incidentId } : {}),
      text: done.text,
      ...(output ? { output } : {}),
      ...(fallback ? { fallback } : {}),
      ...(outcome === 'failed' && detail ? { error: detail } : {}),
    });
  }

  private hold(announcement: Announcement): void {
    const session = this.o.mediaSession;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (!session) return;
    const incidentId = announcement.incidentId;
    try {
      session.metadata = typeof MediaMetadata === 'undefined' ? null : new MediaMetadata({ title: announcement.text, artist: 'Earshot' });
      session.playbackState = 'playing';
    } catch {
      // metadata is a nicety
    }
    const act = (action: 'acknowledge' | 'snooze') => () => {
      if (incidentId !== undefined) void this.o.api.mediaKey(action, incidentId).catch(() => undefined);
      this.stop();
    };
    session.setActionHandler('play', incidentId === undefined ? null : act('acknowledge'));
    session.setActionHandler('pause', incidentId === undefined ? null : act('acknowledge'));
    session.setActionHandler('nexttrack', incidentId === undefined ? null : act('snooze'));
  }

  private release(): void {
    this.holdTimer = undefined;
    const session = this.o.mediaSession;
    if (session) {
      for (const action of MEDIA_ACTIONS) session.setActionHandler(action, null);
      session.metadata = null;
      session.playbackState = 'none';
    }
    if (this.status.state === 'holding') this.setStatus({ state: 'idle' });
  }

  private setStatus(status: PlayerStatus): void {
    this.status = status;
    this.o.onStatus?.(status);
  }
}
