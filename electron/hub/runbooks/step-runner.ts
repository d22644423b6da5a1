/**
 * Runs one runbook step. Alert labels are attacker-controlled:
 *  - `run`: an argument vector, no shell. A label is only ever a whole argument,
 *    and one that starts with "-" is refused (it would be read as an option).
 *  - `http`: the URL is fixed in the runbook; labels go into query values (encoded
 *    by URLSearchParams, so "../" and CR/LF stay data) and into JSON string values.
 *  - The process gets a minimal environment (never the hub's own, with its
 *    tokens), the step's fixed env, and EARSHOT_LABEL_* / EARSHOT_ANNOTATION_*.
 * A timeout kills the whole process tree; output is capped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { TEMPLATE, type RunbookStep } from './runbook-file';

export interface StepContext {
  incidentId: number;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

export class StepInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepInputError';
  }
}

export interface StepPreview {
  argv?: string[];
  request?: { method: string; url: string; headers: Record<string, string>; body?: string };
}

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  outputBytes: number;
  truncated: boolean;
  httpStatus?: number;
  error?: string;
}

export interface RunHandle {
  runId: string;
  preview: StepPreview;
  done: Promise<StepResult>;
}

export interface RunOptions {
  onOutput: (stream: 'stdout' | 'stderr', chunk: string) => void;
  maxOutputBytes?: number;
  cwd?: string;
  /** Grace between SIGTERM and SIGKILL on timeout. */
  killGraceMs?: number;
}

function lookup(ctx: StepContext, kind: string, name: string): string {
  const source = kind === 'label' ? ctx.labels : ctx.annotations;
  const value = source[name];
  if (value === undefined) throw new StepInputError(`${kind} "${name}" is not set on this incident`);
  return value;
}

/** Fills `{{label.x}}` inside a string (for query values and JSON strings, which are encoded afterwards). */
function fill(text: string, ctx: StepContext): string {
  return text.replace(TEMPLATE, (_m, kind: string, name: string) => lookup(ctx, kind, name));
}

export function resolveArgv(run: readonly string[], ctx: StepContext): string[] {
  return run.map((arg, i) => {
    TEMPLATE.lastIndex = 0;
    const m = /^\{\{\s*(label|annotation)\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}$/.exec(arg);
    if (!m) return arg;
    const value = lookup(ctx, m[1] as string, m[2] as string);
    if (i === 0) throw new StepInputError('the program to run cannot come from a label');
    if (value.startsWith('-')) throw new StepInputError(`${m[1]} "${m[2]}" starts with "-" and would be read as an option: refused`);
    if (value.includes('\0')) throw new StepInputError(`${m[1]} "${m[2]}" contains a NUL character: refused`);
    return value;
  });
}

const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

export function stepEnv(step: RunbookStep, ctx: StepContext, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  // Only what a program needs to run — not the hub's environment and its secrets.
  for (const key of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT', 'WINDIR', 'COMSPEC', 'PATHEXT']) {
    const v = base[key];
    if (v !== undefined) env[key] = v;
  }
  Object.assign(env, step.env);
  const clean = (v: string) => v.replace(/\0/g, '');
  for (const [k, v] of Object.entries(ctx.labels)) env[`EARSHOT_LABEL_${envName(k)}`] = clean(v);
  for (const [k, v] of Object.entries(ctx.annotations)) env[`EARSHOT_ANNOTATION_${envName(k)}`] = clean(v);
  env['EARSHOT_INCIDENT_ID'] = String(ctx.incidentId);
  return env;
}

function fillJson(value: unknown, ctx: StepContext): unknown {
  if (typeof value === 'string') return fill(value, ctx);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, ctx));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, ctx)]));
  return value;
}

export function buildRequest(http: NonNullable<RunbookStep['http']>, ctx: StepContext): NonNullable<StepPreview['request']> {
  const url = new URL(http.url);
  for (const [k, v] of Object.entries(http.query)) url.searchParams.set(k, fill(v, ctx));
  const request: NonNullable<StepPreview['request']> = { method: http.method, url: url.toString(), headers: { ...http.headers } };
  if (http.body !== undefined) {
    request.body = typeof http.body === 'string' ? fill(http.body, ctx) : JSON.stringify(fillJson(http.body, ctx));
    if (typeof http.body !== 'string' && !Object.keys(request.headers).some((h) => h.toLowerCase() === 'content-type')) request.headers['content-type'] = 'application/json';
  }
  return request;
}

/** What would run: shown in the confirmation dialog, recorded in the audit log. */
export function previewStep(step: RunbookStep, ctx: StepContext): StepPreview {
  if (step.run) return { argv: resolveArgv(step.run, ctx) };
  return { request: buildRequest(step.http as NonNullable<RunbookStep['http']>, ctx) };
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true });
    else process.kill(-pid, signal); // the whole process group: children too
  } catch {
    // already gone
  }
}

export function runStep(step: RunbookStep, ctx: StepContext, o: RunOptions): RunHandle {
  const preview = previewStep(step, ctx); // throws StepInputError before anything runs
  const runId = randomUUID();
  const max = o.maxOutputBytes ?? 256 * 1024;
  let outputBytes = 0;
  let truncated = false;
  const emit = (stream: 'stdout' | 'stderr', chunk: Buffer | string) => {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const size = Buffer.byteLength(text);
    outputBytes += size;
    if (truncated) return;
    if (outputBytes > max) {
      truncated = true;
      const room = max - (outputBytes - size);
      if (room > 0) o.onOutput(stream, Buffer.from(text).subarray(0, room).toString('utf8'));
      o.onOutput('stderr', `\n[earshot: output cut at ${max} bytes]\n`);
      return;
    }
    o.onOutput(stream, text);
  };
  const started = Date.now();
  const done = preview.argv ? runProcess(preview.argv, step, ctx, o, emit) : runHttp(preview.request as NonNullable<StepPreview['request']>, step, emit);
  return {
    runId,
    preview,
    done: done.then((r) => ({ ...r, durationMs: Date.now() - started, outputBytes, truncated })),
  };
}

type RawResult = Omit<StepResult, 'durationMs' | 'outputBytes' | 'truncated'>;

function runProcess(argv: string[], step: RunbookStep, ctx: StepContext, o: RunOptions, emit: (s: 'stdout' | 'stderr', c: Buffer) => void): Promise<RawResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      shell: false,
      detached: process.platform !== 'win32', // its own process group, so a timeout can kill the tree
      env: stepEnv(step, ctx),
      cwd: o.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killTree(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid && killTree(child.pid, 'SIGKILL'), o.killGraceMs ?? 2_000);
    }, step.timeout);
    child.stdout?.on('data', (c: Buffer) => emit('stdout', c));
    child.stderr?.on('data', (c: Buffer) => emit('stderr', c));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, signal: null, timedOut: false, error: `could not start ${argv[0]}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // Whatever it left running in its group goes with it.
      if (child.pid && process.platform !== 'win32') killTree(child.pid, 'SIGKILL');
      resolve({ exitCode: code, signal, timedOut });
    });
  });
}

async function runHttp(request: NonNullable<StepPreview['request']>, step: RunbookStep, emit: (s: 'stdout' | 'stderr', c: string) => void): Promise<RawResult> {
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(step.timeout),
      redirect: 'manual',
    });
    emit('stdout', `HTTP ${res.status} ${res.statusText}\n`);
    emit('stdout', await res.text());
    return { exitCode: res.ok ? 0 : 1, signal: null, timedOut: false, httpStatus: res.status };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    emit('stderr', `${(err as Error).message}\n`);
    return { exitCode: null, signal: null, timedOut, error: (err as Error).message };
  }
}
