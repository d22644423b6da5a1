/**
 * Runbooks for incidents: which match, what a step would do for this incident,
 * and running it on an explicit request — on the record: the start is committed
 * to the audit chain before anything runs, the end after it finishes.
 */
import type { IncidentRecord } from '../../../shared/incidents/engine';
import { matches, formatMatcher } from '../../../shared/runbooks/matchers';
import type { HubCore } from '../hub-core';
import type { Logger } from '../log';
import type { RunbookLibrary } from './library';
import type { Runbook, RunbookStep } from './runbook-file';
import { previewStep, runStep, StepInputError, type StepContext, type StepPreview, type StepResult } from './step-runner';

export class RunbookRunError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'RunbookRunError';
  }
}

export interface StepView {
  id: string;
  title: string;
  confirm: boolean;
  concurrent: boolean;
  timeoutMs: number;
  kind: 'run' | 'http';
  /** What it would do for this incident, or why it cannot. */
  preview?: StepPreview;
  unavailable?: string;
}

export interface RunbookView {
  id: string;
  title: string;
  file: string;
  owner?: string;
  match: string[];
  contentHash: string;
  body: string;
  steps: StepView[];
}

export type StepOutputMessage = { type: 'step_output'; runId: string; incidentId: number; stream: 'stdout' | 'stderr'; data: string };
export type StepFinishedMessage = { type: 'step_finished'; runId: string; incidentId: number; result: StepResult };

/** Labels every alert of the incident shares, and the annotations they all agree on. */
export function incidentContext(inc: IncidentRecord): StepContext {
  const alerts = [...inc.alerts.values()];
  const shared = (pick: (a: (typeof alerts)[number]) => Record<string, string>) => {
    const out: Record<string, string> = {};
    const first = alerts[0];
    if (first) for (const [k, v] of Object.entries(pick(first))) if (alerts.every((a) => pick(a)[k] === v)) out[k] = v;
    return out;
  };
  // Computed from the alerts themselves, so it holds for every sender (not all send commonLabels).
  return { incidentId: inc.id, labels: { ...inc.meta.groupLabels, ...inc.meta.commonLabels, ...shared((a) => a.labels) }, annotations: shared((a) => a.annotations) };
}

export class RunbookService {
  private readonly running = new Map<string, number>();
  private readonly listeners = new Set<(m: StepOutputMessage | StepFinishedMessage) => void>();

  constructor(
    private readonly library: RunbookLibrary,
    private readonly core: HubCore,
    private readonly log: Logger,
    private readonly maxOutputBytes = 256 * 1024,
  ) {}

  onMessage(listener: (m: StepOutputMessage | StepFinishedMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  matching(inc: IncidentRecord): Runbook[] {
    const ctx = incidentContext(inc);
    return this.library.all.filter((rb) => matches(rb.matchers, ctx.labels));
  }

  views(inc: IncidentRecord): RunbookView[] {
    const ctx = incidentContext(inc);
    return this.matching(inc).map((rb) => ({
      id: rb.id,
      title: rb.title,
      file: rb.file,
      ...(rb.owner ? { owner: rb.owner } : {}),
      match: rb.matchers.map(formatMatcher),
      contentHash: rb.contentHash,
      body: rb.body,
      steps: rb.steps.map((s) => stepView(s, ctx)),
    }));
  }

  /** Starts a step; resolves once the start is on the record, with the run's id. The run goes on without the caller. */
  async run(incidentId: number, runbookId: string, stepId: string, actor: string, via: string): Promise<{ runId: string; preview: StepPreview }> {
    const inc = this.core.incident(incidentId);
    if (!inc) throw new RunbookRunError('not_found', `no incident ${incidentId}`);
    const rb = this.library.get(runbookId);
    if (!rb || !this.matching(inc).includes(rb)) throw new RunbookRunError('not_found', `runbook "${runbookId}" does not apply to incident ${incidentId}`);
    const step = rb.steps.find((s) => s.id === stepId);
    if (!step) throw new RunbookRunError('not_found', `runbook "${runbookId}" has no step "${stepId}"`);
    const key = `${incidentId}/${runbookId}/${stepId}`;
    if (!step.concurrent && (this.running.get(key) ?? 0) > 0) throw new RunbookRunError('conflict', `"${step.title}" is already running for incident ${incidentId}`);

    const ctx = incidentContext(inc);
    let handle: ReturnType<typeof runStep> | undefined;
    let preview: StepPreview;
    try {
      preview = previewStep(step, ctx);
    } catch (err) {
      if (err instanceof StepInputError) throw new RunbookRunError('invalid', err.message);
      throw err;
    }
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    const release = () => this.running.set(key, (this.running.get(key) ?? 1) - 1);
    const runId = crypto.randomUUID();
    try {
      await this.core.submit({
        kind: 'record',
        incidentId,
        actor,
        body: {
          type: 'runbook.step.started',
          data: {
            runId,
            runbook: rb.id,
            runbookTitle: rb.title,
            contentHash: rb.contentHash,
            step: step.id,
            stepTitle: step.title,
            ...(preview.argv ? { argv: preview.argv } : {}),
            ...(preview.request ? { request: { method: preview.request.method, url: preview.request.url } } : {}),
            via,
          },
        },
      });
      handle = runStep(step, ctx, {
        maxOutputBytes: this.maxOutputBytes,
        ...(this.library.dir ? { cwd: this.library.dir } : {}),
        onOutput: (stream, data) => this.emit({ type: 'step_output', runId, incidentId, stream, data }),
      });
    } catch (err) {
      release();
      throw err;
    }
    void handle.done.then(async (result) => {
      release();
      this.emit({ type: 'step_finished', runId, incidentId, result });
      await this.core
        .submit({
          kind: 'record',
          incidentId,
          actor,
          body: {
            type: 'runbook.step.finished',
            data: {
              runId,
              runbook: rb.id,
              step: step.id,
              stepTitle: step.title,
              exitCode: result.exitCode,
              signal: result.signal,
              timedOut: result.timedOut,
              durationMs: result.durationMs,
              outputBytes: result.outputBytes,
              truncated: result.truncated,
              ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
              ...(result.error ? { error: result.error.slice(0, 500) } : {}),
            },
          },
        })
        .catch((err: unknown) => this.log.error('could not record the end of a runbook step', { runId, err }));
    });
    return { runId, preview };
  }

  private emit(m: StepOutputMessage | StepFinishedMessage): void {
    for (const l of this.listeners) l(m);
  }
}

function stepView(s: RunbookStep, ctx: StepContext): StepView {
  const view: StepView = { id: s.id, title: s.title, confirm: s.confirm, concurrent: s.concurrent, timeoutMs: s.timeout, kind: s.run ? 'run' : 'http' };
  try {
    view.preview = previewStep(s, ctx);
  } catch (err) {
    view.unavailable = (err as Error).message;
  }
  return view;
}
