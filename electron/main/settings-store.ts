/** Settings in a JSON file in the app's userData, validated on every read and write. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { internalSettingsPatchSchema, settingsPatchSchema, settingsSchema, type Settings } from '../../shared/ipc/contract';
import { describeIssues } from '../../shared/zod-issues';

export class SettingsStore {
  private current: Settings;
  private readonly listeners = new Set<(s: Settings, previous: Settings) => void>();

  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {
    this.current = this.load();
  }

  get value(): Settings {
    return this.current;
  }

  /** A broken or hand-edited file is reported and replaced by defaults, never fatal. */
  private load(): Settings {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`settings: cannot read ${this.path} (${(err as Error).message}); using defaults`);
      return settingsSchema.parse({});
    }
    const parsed = settingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.warn(`settings: ${this.path} is invalid (${describeIssues(parsed.error, '(settings)').join('; ')}); using defaults`);
    return settingsSchema.parse({});
  }

  /** A change from the renderer (validated again here); `internal` for main's own (presence sharing after consent). */
  update(patch: unknown, internal = false): Settings {
    const checked = (internal ? internalSettingsPatchSchema : settingsPatchSchema).parse(patch);
    const next = settingsSchema.parse({ ...this.current, ...checked });
    const previous = this.current;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path); // atomic: a crash leaves the old file or the new one
    this.current = next;
    for (const l of this.listeners) l(next, previous);
    return next;
  }

  onChange(listener: (s: Settings, previous: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
