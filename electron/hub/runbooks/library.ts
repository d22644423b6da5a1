/**
 * The runbooks directory: every `*.md` file in it, parsed and validated. A broken
 * file is reported (file:line: field: message) and left out; the others load.
 * Changes are picked up without restarting the hub.
 */
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { parseRunbook, RunbookError, type Runbook, type RunbookProblem } from './runbook-file';

export class RunbookLibrary {
  private runbooks = new Map<string, Runbook>();
  private problemList: RunbookProblem[] = [];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changeListeners = new Set<() => void>();

  constructor(
    readonly dir: string | undefined,
    private readonly log: Logger,
  ) {
    this.reload();
    if (dir) {
      try {
        this.watcher = watch(dir, () => {
          // Editors write in bursts (temp file, rename): reload once it settles.
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.reload(), 150);
        });
        this.watcher.on('error', (err) => this.log.warn('runbooks: stopped watching for changes', { dir, err: err.message }));
      } catch (err) {
        this.log.warn('runbooks: cannot watch the directory; restart the hub to pick up changes', { dir, err: (err as Error).message });
      }
    }
  }

  reload(): void {
    const runbooks = new Map<string, Runbook>();
    const problems: RunbookProblem[] = [];
    if (this.dir) {
      let files: string[] = [];
      try {
        files = readdirSync(this.dir).filter((f) => f.endsWith('.md') && !f.startsWith('.')).sort();
      } catch (err) {
        problems.push({ file: this.dir, line: 0, field: 'directory', message: (err as Error).message });
      }
      for (const file of files) {
        const id = file.slice(0, -3);
        try {
          if (!/^[\w.-]{1,100}$/.test(id)) throw new RunbookError([{ file, line: 0, field: 'file name', message: 'use letters, digits, _ . - in runbook file names' }]);
          runbooks.set(id, parseRunbook(readFileSync(join(this.dir, file), 'utf8'), file, id));
        } catch (err) {
          if (err instanceof RunbookError) problems.push(...err.problems);
          else problems.push({ file, line: 0, field: 'file', message: (err as Error).message });
        }
      }
    }
    for (const p of problems) this.log.warn('runbook problem', { ...p });
    this.runbooks = runbooks;
    this.problemList = problems;
    for (const l of this.changeListeners) l();
  }

  get all(): Runbook[] {
    return [...this.runbooks.values()];
  }

  get problems(): RunbookProblem[] {
    return this.problemList;
  }

  get(id: string): Runbook | undefined {
    return this.runbooks.get(id);
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
