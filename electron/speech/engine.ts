/**
 * Runs a speech backend: finds its executable on PATH (no shell involved),
 * spawns it with the text on stdin, and can stop it mid-sentence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { Speaker, Utterance } from '../../shared/announce/announcer';
import { BACKENDS, preferredBackends, type BackendName, type CommandSpec, type SpeechBackend, type SpeechOptions } from './backends';

export class NoSpeechEngineError extends Error {
  constructor(tried: string[], voiceless: string[] = []) {
    super(
      `no speech engine found (looked for ${tried.join(', ')} on PATH${voiceless.length ? `; ${voiceless.join(', ')} is there but has no voice installed` : ''}). ` +
        `On Linux install espeak-ng (apt-get install espeak-ng) or ${voiceless.includes('festival') ? 'a festival voice (apt-get install festvox-kallpc16k)' : 'festival'}; macOS and Windows have one built in.`,
    );
    this.name = 'NoSpeechEngineError';
  }
}

/**
 * How many voices a festival installation has, from its voice directories beside the executable
 * (<prefix>/share/festival/voices/<language>/<voice>, or lib/ for builds from source); null when
 * neither directory exists (a layout this does not know: assume it can speak). Debian installs
 * festival without a voice under --no-install-recommends, and it then exits 0 having said nothing.
 */
export function festivalVoices(executable: string): number | null {
  const prefix = dirname(dirname(executable));
  let known = false;
  let voices = 0;
  for (const dir of [join(prefix, 'share', 'festival', 'voices'), join(prefix, 'lib', 'festival', 'voices')]) {
    try {
      for (const language of readdirSync(dir, { withFileTypes: true })) {
        if (language.isDirectory()) voices += readdirSync(join(dir, language.name), { withFileTypes: true }).filter((v) => v.isDirectory()).length;
      }
      known = true;
    } catch {
      // no such directory
    }
  }
  return known ? voices : null;
}

export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const exts = platform === 'win32' ? ['', ...(env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      try {
        if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      } catch {
        // unreadable PATH entry: skip it
      }
    }
  }
  return null;
}

export interface RunningSpeech {
  /** Resolves with what the engine wrote to stderr (it may exit 0 and still have said nothing). */
  done: Promise<string>;
  stop(): void;
}

/**
 * The error for a synthesis that wrote no audio. festival exits 0 without a voice
 * (Debian installs it without one under --no-install-recommends): say what to install.
 */
export function noAudioError(backend: string, outFile: string, stderr: string): Error {
  if (backend === 'festival' && /No default voice found|Could not find any of these voices/.test(stderr)) {
    return new Error('festival has no voice installed: install one (apt-get install festvox-kallpc16k) or choose espeak-ng');
  }
  const detail = lastLines(stderr);
  return new Error(`${backend} wrote no audio to ${outFile}${detail ? `: ${detail}` : ''}`);
}

/** The end of what an engine wrote to stderr, on one line. */
function lastLines(stderr: string): string {
  return stderr.trim().split('\n').slice(-3).join(' ');
}

export class SpeechEngine {
  constructor(
    readonly backend: SpeechBackend,
    readonly options: SpeechOptions = {},
  ) {}

  /** The configured backend, or the platform's first installed one. */
  static detect(preference?: BackendName, options: SpeechOptions = {}, platform: NodeJS.Platform = process.platform): SpeechEngine {
    const names = preference ? [preference] : preferredBackends(platform);
    const voiceless: string[] = [];
    for (const name of names) {
      const backend = BACKENDS[name];
      const found = findExecutable(backend.executable, process.env, platform);
      if (!found) continue;
      // Chosen for the user, a festival that cannot speak is no choice: the next one, or say why.
      if (!preference && name === 'festival' && festivalVoices(found) === 0) {
        voiceless.push(name);
        continue;
      }
      return new SpeechEngine(backend, options);
    }
    throw new NoSpeechEngineError(names.map((n) => BACKENDS[n].executable), voiceless);
  }

  get voice(): string {
    return this.options.voice ?? this.backend.defaultVoice;
  }

  /** Says the text on the default output device. */
  speak(text: string): RunningSpeech {
    return run(this.backend.speak(text, this.options));
  }

  /** Writes the text as a WAV file. */
  async synthesize(text: string, outFile: string): Promise<void> {
    const stderr = await run(this.backend.synthesize(text, outFile, this.options)).done;
    if (!existsSync(outFile) || statSync(outFile).size < 44) throw noAudioError(this.backend.name, outFile, stderr);
  }
}

function run(spec: CommandSpec): RunningSpeech {
  let child: ChildProcess;
  const done = new Promise<string>((resolve, reject) => {
    // No shell, ever: args go to the program as they are.
    child = spawn(spec.command, spec.args, { shell: false, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...spec.env }, windowsHide: true });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4_000) stderr += d.toString();
    });
    child.on('error', (err) => reject(new Error(`${spec.command}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM' || signal === 'SIGKILL') resolve(stderr);
      else reject(new Error(`${spec.command} exited ${code ?? signal}: ${lastLines(stderr)}`));
    });
    child.stdin?.on('error', () => undefined); // the engine may exit before reading everything
    child.stdin?.end(spec.stdin);
  });
  return {
    done,
    stop: () => {
      if (child && child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

/** The announcer's Speaker on the default output device (used when no window can play audio). */
export class EngineSpeaker implements Speaker {
  private current: RunningSpeech | undefined;
  constructor(private readonly engine: SpeechEngine) {}

  async speak(utterance: Utterance): Promise<void> {
    this.current = this.engine.speak(utterance.text);
    try {
      await this.current.done;
    } finally {
      this.current = undefined;
    }
  }

  stop(): void {
    this.current?.stop();
  }
}

/** A Speaker that writes each utterance to a WAV file instead of a device (the CLI's --out, the demo). */
export class WavFileSpeaker implements Speaker {
  constructor(
    private readonly engine: SpeechEngine,
    private readonly outFile: string,
  ) {}

  speak(utterance: Utterance): Promise<void> {
    return this.engine.synthesize(utterance.text, this.outFile);
  }

  stop(): void {
    // A file being written is left to finish.
  }
}
