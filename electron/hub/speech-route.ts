/**
 * POST /api/v1/speech {"text": "…"} → audio/wav: lets web consoles speak with
 * the hub machine's engine, through the same backends as the desktop app.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { BackendName } from '../speech/backends';
import { NoSpeechEngineError, SpeechEngine } from '../speech/engine';

export const speechRequestSchema = z.object({ text: z.string().trim().min(1, 'is empty').max(1_000) }).strict();

export interface SpeechConfig {
  backend?: BackendName | undefined;
  voice?: string | undefined;
  rate?: number | undefined;
}

export class SpeechService {
  private engine: SpeechEngine | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly config: SpeechConfig,
    private readonly maxConcurrent = 2,
  ) {}

  /** Throws NoSpeechEngineError when the hub machine has no engine. */
  async synthesize(text: string): Promise<Buffer> {
    this.engine ??= SpeechEngine.detect(this.config.backend, { voice: this.config.voice, rate: this.config.rate });
    if (this.running >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    const file = join(tmpdir(), `earshot-speech-${randomUUID()}.wav`);
    try {
      await this.engine.synthesize(text, file);
      return await readFile(file);
    } finally {
      this.running--;
      this.waiting.shift()?.();
      await rm(file, { force: true });
    }
  }
}

export { NoSpeechEngineError };
