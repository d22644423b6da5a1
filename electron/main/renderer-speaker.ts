/**
 * The desktop announcer's Speaker: main synthesises the utterance to WAV and a
 * renderer plays it on the chosen output (AirPods), holding the media keys.
 * Without a renderer to play it, the engine speaks on the default device.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Speaker, Utterance } from '../../shared/announce/announcer';
import type { Announcement } from '../../shared/ipc/contract';
import type { SpeechEngine } from '../speech/engine';
import { EngineSpeaker } from '../speech/engine';
import { wavInfo } from '../speech/wav';

export interface RendererLink {
  /** Sends to the window that plays audio; false when there is none. */
  announce(announcement: Announcement): boolean;
  stop(utteranceId: number): void;
}

export class RendererSpeaker implements Speaker {
  private readonly waiting = new Map<number, (outcome: string) => void>();
  private current: number | undefined;
  private readonly direct: EngineSpeaker;

  constructor(
    private readonly engine: SpeechEngine,
    private readonly link: RendererLink,
  ) {
    this.direct = new EngineSpeaker(engine);
  }

  async speak(u: Utterance): Promise<void> {
    const file = join(tmpdir(), `earshot-utterance-${randomUUID()}.wav`);
    let audio: Uint8Array<ArrayBuffer>;
    try {
      await this.engine.synthesize(u.text, file);
      audio = new Uint8Array(await readFile(file));
    } finally {
      await rm(file, { force: true });
    }
    this.current = u.id;
    const done = new Promise<string>((resolve) => this.waiting.set(u.id, resolve));
    const sent = this.link.announce({ utteranceId: u.id, kind: u.kind, text: u.text, severity: u.severity, audio, ...(u.incidentId ? { incidentId: u.incidentId } : {}) });
    if (!sent) {
      this.waiting.delete(u.id);
      this.current = undefined;
      await this.direct.speak(u);
      return;
    }
    // A renderer that never reports back (closed mid-sentence) must not wedge the queue.
    const seconds = wavInfo(audio).seconds;
    const timer = setTimeout(() => this.ended(u.id, 'timeout'), Math.ceil(seconds * 1000) + 5_000);
    const outcome = await done;
    clearTimeout(timer);
    if (outcome === 'failed') throw new Error('the renderer could not play the announcement');
  }

  /** The renderer reports back: ended, stopped or failed. */
  ended(utteranceId: number, outcome: string): void {
    this.waiting.get(utteranceId)?.(outcome);
    this.waiting.delete(utteranceId);
    if (this.current === utteranceId) this.current = undefined;
  }

  stop(): void {
    this.direct.stop();
    if (this.current === undefined) return;
    this.link.stop(this.current);
    this.ended(this.current, 'stopped');
  }
}
