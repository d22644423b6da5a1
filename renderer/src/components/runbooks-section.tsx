import { useEffect, useRef, useState } from 'react';
import ReactMarkdown from 'react-markdown';
import type { StepMessage } from '../../../shared/ipc/contract';
import { formatArgv, type RunbookView, type StepView } from '../../../shared/runbooks/view';
import { useApi } from '../store/context';
import { ExternalLink } from './incident-detail';

interface Run {
  runId?: string;
  output: string;
  result?: Extract<StepMessage, { type: 'step_finished' }>['result'];
  error?: string;
}

function describePreview(step: StepView): string {
  if (step.preview?.argv) return formatArgv(step.preview.argv);
  const r = step.preview?.request;
  return r ? `${r.method} ${r.url}${r.body ? `\n\n${r.body}` : ''}` : '';
}

function resultText(r: NonNullable<Run['result']>): string {
  const took = `${(r.durationMs / 1000).toFixed(1)} s`;
  if (r.timedOut) return `Timed out after ${took}`;
  if (r.error) return `Failed: ${r.error}`;
  if (r.httpStatus !== undefined) return `HTTP ${r.httpStatus} in ${took}`;
  return `${r.exitCode === 0 ? 'Done' : `Exit code ${r.exitCode ?? r.signal ?? '?'}`} in ${took}${r.truncated ? ' (output cut)' : ''}`;
}

/** Confirms exactly what will run. Escape or Cancel closes it without running. */
function ConfirmRun({ step, onRun, onCancel }: { step: StepView; onRun: () => void; onCancel: () => void }) {
  const runButton = useRef<HTMLButtonElement | null>(null);
  useEffect(() => runButton.current?.focus(), []);
  return (
    <div
      className="confirm-run"
      role="dialog"
      aria-modal="true"
      aria-label={`Run "${step.title}"?`}
      data-testid="confirm-run"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation(); // closes this dialog, not the incident
          onCancel();
        }
      }}
    >
      <p>
        Run <strong>{step.title}</strong>? This {step.kind === 'run' ? 'runs on the hub machine' : 'sends this request from the hub'}:
      </p>
      <pre className="command" data-testid="confirm-command">
        {describePreview(step)}
      </pre>
      <div className="actions">
        <button type="button" ref={runButton} onClick={onRun}>
          Run
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function RunbooksSection({ incidentId }: { incidentId: number }) {
  const api = useApi();
  const [runbooks, setRunbooks] = useState<RunbookView[] | null>(null);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState<{ runbook: string; step: StepView } | null>(null);
  const [runs, setRuns] = useState<Record<string, Run>>({});
  // Output can arrive before runStep resolves with the run's id: keep it by run id until then.
  const byRun = useRef(new Map<string, string>());

  useEffect(() => {
    setRunbooks(null);
    api.incidentRunbooks(incidentId).then(setRunbooks, (e: unknown) => setError((e as Error).message));
  }, [api, incidentId]);

  useEffect(
    () =>
      api.onStepOutput((m) => {
        if (m.incidentId !== incidentId) return;
        const key = byRun.current.get(m.runId) ?? `pending:${m.runId}`;
        setRuns((prev) => {
          const run = prev[key] ?? { runId: m.runId, output: '' };
          return { ...prev, [key]: m.type === 'step_output' ? { ...run, output: run.output + m.data } : { ...run, result: m.result } };
        });
      }),
    [api, incidentId],
  );

  const start = async (runbook: string, step: StepView) => {
    setConfirming(null);
    const key = `${runbook}/${step.id}`;
    setRuns((prev) => ({ ...prev, [key]: { output: '' } }));
    try {
      const { runId } = await api.runStep(incidentId, runbook, step.id);
      byRun.current.set(runId, key);
      setRuns((prev) => {
        const early = prev[`pending:${runId}`];
        const { [`pending:${runId}`]: _drop, ...rest } = prev;
        return { ...rest, [key]: { runId, output: early?.output ?? '', ...(early?.result ? { result: early.result } : {}) } };
      });
    } catch (err) {
      setRuns((prev) => ({ ...prev, [key]: { output: '', error: (err as Error).message } }));
    }
  };

  if (error) return <p className="error">Could not load runbooks: {error}</p>;
  if (!runbooks) return <p role="status">Loading runbooks…</p>;
  if (runbooks.length === 0) return null;
  return (
    <section aria-label="Runbooks" data-testid="runbooks">
      <h3>Runbooks</h3>
      {runbooks.map((rb) => (
        <article key={rb.id} className="runbook">
          <h4>{rb.title}</h4>
          <p className="meta">
            {rb.owner ? `owner ${rb.owner} · ` : ''}matches {rb.match.join(', ')}
          </p>
          <div className="markdown">
            {/* Rendered to React elements: raw HTML in the file is not rendered, links go through the safe opener. */}
            <ReactMarkdown skipHtml components={{ a: ({ href, children }) => <ExternalLink link={{ href: href ?? '', text: String(children) }} /> }}>
              {rb.body}
            </ReactMarkdown>
          </div>
          <ul className="steps">
            {rb.steps.map((step) => {
              const key = `${rb.id}/${step.id}`;
              const run = runs[key];
              const running = run !== undefined && !run.result && !run.error;
              return (
                <li key={step.id} data-testid={`step-${step.id}`}>
                  <span className="step-title">{step.title}</span>
                  <button
                    type="button"
                    disabled={step.unavailable !== undefined || (running && !step.concurrent)}
                    title={step.unavailable ?? describePreview(step)}
                    onClick={() => (step.confirm ? setConfirming({ runbook: rb.id, step }) : void start(rb.id, step))}
                  >
                    {running ? 'Running…' : 'Run'}
                  </button>
                  {step.unavailable && <span className="meta">{step.unavailable}</span>}
                  {confirming?.runbook === rb.id && confirming.step.id === step.id && <ConfirmRun step={step} onRun={() => void start(rb.id, step)} onCancel={() => setConfirming(null)} />}
                  {run && (
                    <div className="run" data-testid={`run-${step.id}`}>
                      <pre className="output" aria-live="polite" aria-label={`Output of ${step.title}`}>
                        {run.output}
                      </pre>
                      {run.result && (
                        <p className={run.result.exitCode === 0 || (run.result.httpStatus ?? 0) / 100 === 2 ? 'result ok' : 'result failed'} role="status">
                          {resultText(run.result)}
                        </p>
                      )}
                      {run.error && (
                        <p className="error" role="alert">
                          {run.error}
                        </p>
                      )}
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        </article>
      ))}
    </section>
  );
}
