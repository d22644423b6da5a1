import { describe, expect, it, vi } from 'vitest';
import { parseGnomeShowBanners } from '../../electron/main/do-not-disturb';
import { RendererSpeaker } from '../../electron/main/renderer-speaker';
import { BACKENDS } from '../../electron/speech/backends';
import { findExecutable, SpeechEngine } from '../../electron/speech/engine';
import { wavInfo } from '../../electron/speech/wav';
import type { Utterance } from '../../shared/announce/announcer';
import type { Announcement } from '../../shared/ipc/contract';

const missing = findExecutable('espeak-ng') ? null : 'espeak-ng not installed';
const utterance: Utterance = { id: 5, kind: 'new', text: 'Critical. Disk almost full. Incident 42.', priority: 3, severity: 'critical', incidentId: 42, incidentIds: [42] };

describe.skipIf(missing !== null)(`desktop speaker${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const engine = new SpeechEngine(BACKENDS['espeak-ng']);

  it('sends the synthesised WAV to the player window and waits until it has been played', async () => {
    const sent: Announcement[] = [];
    const speaker = new RendererSpeaker(engine, { announce: (a) => (sent.push(a), true), stop: vi.fn() });
    let finished = false;
    const speaking = speaker.speak(utterance).then(() => (finished = true));
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 10_000 });
    expect(sent[0]).toMatchObject({ utteranceId: 5, incidentId: 42, severity: 'critical', text: utterance.text });
    expect(wavInfo(sent[0]!.audio).seconds).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(false);
    speaker.ended(5, 'ended');
    await speaking;
  });

  it('tells the player to stop, and rejects when the player could not play', async () => {
    const stop = vi.fn();
    const sent: Announcement[] = [];
    const speaker = new RendererSpeaker(engine, { announce: (a) => (sent.push(a), true), stop });
    const first = speaker.speak(utterance);
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 10_000 });
    speaker.stop();
    expect(stop).toHaveBeenCalledWith(5);
    await first;
    const second = speaker.speak({ ...utterance, id: 6 });
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 10_000 });
    speaker.ended(6, 'failed');
    await expect(second).rejects.toThrow(/could not play/);
  });

  it('speaks on the default device itself when no window can play', async () => {
    const speaker = new RendererSpeaker(engine, { announce: () => false, stop: vi.fn() });
    await speaker.speak(utterance); // espeak-ng plays (or, with no sound card, returns): it must not hang
  });
});

describe('Do Not Disturb (GNOME)', () => {
  it('reads show-banners false as Do Not Disturb', () => {
    expect(parseGnomeShowBanners('false\n')).toBe(true);
    expect(parseGnomeShowBanners('true')).toBe(false);
    expect(parseGnomeShowBanners('No such schema')).toBeNull();
  });
});
