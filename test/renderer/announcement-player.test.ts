// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnnouncementPlayer, type PlayerStatus } from '../../renderer/src/speech/announcement-player';

class FakeAudio {
  src = '';
  sinkId = '';
  onended: (() => void) | null = null;
  onerror: (() => void) | null = null;
  played = 0;
  paused = false;
  failSinks = new Set<string>();
  async setSinkId(id: string) {
    if (this.failSinks.has(id)) throw Object.assign(new Error('gone'), { name: 'NotFoundError' });
    this.sinkId = id;
  }
  async play() {
    this.played++;
  }
  pause() {
    this.paused = true;
  }
}

class FakeMediaSession {
  handlers = new Map<string, (() => void) | null>();
  metadata: unknown = null;
  playbackState = 'none';
  setActionHandler(action: string, handler: (() => void) | null) {
    this.handlers.set(action, handler);
  }
}

function setup(devices: { deviceId: string; label: string; kind: string }[], audio = new FakeAudio()) {
  const listeners: (() => void)[] = [];
  const mediaDevices = {
    list: devices,
    enumerateDevices: vi.fn(async () => mediaDevices.list as MediaDeviceInfo[]),
    addEventListener: (_: string, l: () => void) => listeners.push(l),
    removeEventListener: () => undefined,
  };
  const session = new FakeMediaSession();
  const api = { announcementEnded: vi.fn(async () => undefined), mediaKey: vi.fn(async () => undefined) };
  const statuses: PlayerStatus[] = [];
  const player = new AnnouncementPlayer({
    api,
    output: () => ({ mode: 'prefer-airpods' }),
    onStatus: (s) => statuses.push(s),
    holdMs: 5_000,
    createAudio: () => audio as unknown as HTMLAudioElement,
    mediaDevices: mediaDevices as never,
    mediaSession: session as unknown as MediaSession,
  });
  return { player, audio, session, api, statuses, mediaDevices, fireDeviceChange: () => listeners.forEach((l) => l()) };
}

const announcement = (utteranceId = 1) => ({ utteranceId, incidentId: 42, text: 'Critical. Disk almost full. Incident 42.', severity: 'critical' as const, audio: new Uint8Array([82, 73, 70, 70]) });
const DEVICES = [
  { deviceId: 'default', label: 'Default', kind: 'audiooutput' },
  { deviceId: 'spk', label: 'Speakers', kind: 'audiooutput' },
  { deviceId: 'pods', label: 'AirPods Pro', kind: 'audiooutput' },
];

afterEach(() => vi.useRealTimers());

describe('announcement player', () => {
  it('plays on the AirPods when they are connected, and reports the end', async () => {
    const { player, audio, api, statuses } = setup(DEVICES);
    await player.play(announcement());
    expect(audio.sinkId).toBe('pods');
    expect(audio.played).toBe(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'playing', incidentId: 42, output: { label: 'AirPods Pro' } });
    audio.onended?.();
    expect(api.announcementEnded).toHaveBeenCalledWith(1, 'ended', undefined);
  });

  it('falls back to the default device when the chosen one cannot be used', async () => {
    const audio = new FakeAudio();
    audio.failSinks.add('pods');
    const { player, statuses } = setup(DEVICES, audio);
    await player.play(announcement());
    expect(audio.sinkId).toBe('');
    expect(audio.played).toBe(1);
    expect(statuses.at(-1)?.fallback).toMatch(/AirPods Pro unavailable \(NotFoundError\): system default/);
  });

  it('moves to the default device when the AirPods vanish mid-utterance', async () => {
    const { player, audio, statuses, mediaDevices, fireDeviceChange } = setup(DEVICES);
    await player.play(announcement());
    mediaDevices.list = DEVICES.filter((d) => d.deviceId !== 'pods');
    fireDeviceChange();
    await vi.waitFor(() => expect(audio.sinkId).toBe(''));
    expect(statuses.at(-1)?.fallback).toBe('the output device disconnected: system default');
    expect(audio.paused).toBe(false); // it keeps playing
  });

  it('holds the media keys while announcing and shortly after: play/pause acknowledges, next track snoozes', async () => {
    vi.useFakeTimers();
    const { player, audio, session, api } = setup(DEVICES);
    await player.play(announcement());
    expect(session.playbackState).toBe('playing');
    session.handlers.get('pause')?.();
    expect(api.mediaKey).toHaveBeenCalledWith('acknowledge', 42);
    expect(audio.paused).toBe(true); // speech about it stops at once
    await player.play(announcement(2));
    audio.onended?.();
    vi.advanceTimersByTime(4_000);
    session.handlers.get('nexttrack')?.(); // a press just after the sentence still counts
    expect(api.mediaKey).toHaveBeenLastCalledWith('snooze', 42);
  });

  it('lets go of the media keys when the window after an announcement has passed', async () => {
    vi.useFakeTimers();
    const { player, audio, session } = setup(DEVICES);
    await player.play(announcement());
    audio.onended?.();
    vi.advanceTimersByTime(5_001);
    expect([...session.handlers.values()].every((h) => h === null)).toBe(true);
    expect(session.playbackState).toBe('none');
    expect(session.metadata).toBeNull();
  });

  it('a stop for the utterance playing stops it; a stop for another is ignored', async () => {
    const { player, audio, api } = setup(DEVICES);
    await player.play(announcement(7));
    player.stop(8);
    expect(audio.paused).toBe(false);
    player.stop(7);
    expect(audio.paused).toBe(true);
    expect(api.announcementEnded).toHaveBeenCalledWith(7, 'stopped', undefined);
  });

  it('reports a refused playback (autoplay policy) instead of failing silently', async () => {
    const audio = new FakeAudio();
    audio.play = async () => {
      throw Object.assign(new Error('play() failed because the user did not interact'), { name: 'NotAllowedError' });
    };
    const { player, api, statuses } = setup(DEVICES, audio);
    await player.play(announcement());
    expect(api.announcementEnded).toHaveBeenCalledWith(1, 'failed', expect.stringMatching(/^NotAllowedError/));
    expect(statuses.at(-1)?.error).toMatch(/NotAllowedError/);
  });
});
