import { useEffect, useMemo, useState } from 'react';
import { describeMetric, formatValue, type LocalHistory } from '../../../shared/telemetry/local';
import { useApi } from '../store/context';

const ORDER = ['cpu.total', 'load.1', 'mem.used', 'swap.used', 'disk.used', 'battery.percent', 'battery.charging', 'airpods.left', 'airpods.right', 'airpods.case'];
const rank = (name: string) => {
  const i = ORDER.indexOf(name);
  if (i >= 0) return i;
  return name.startsWith('cpu.core.') ? 100 + Number(name.slice(9)) : name.startsWith('net.') ? 50 : 200;
};

/** An SVG line of the values; a null is a gap. */
export function Sparkline({ values, width, height, label }: { values: readonly (number | null)[]; width: number; height: number; label: string }) {
  const finite = values.filter((v): v is number => v !== null);
  if (finite.length === 0) return null;
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (max === min) {
    max += 1;
    min -= 1;
  }
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - ((v - min) / (max - min)) * (height - 2) - 1).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y} `;
    pen = true;
  });
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <path d={d.trim()} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** This machine at a glance: live sparklines; a click shows the last hour. */
export function TelemetryPanel({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [history, setHistory] = useState<LocalHistory>({ ts: [], metrics: {} });
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api.getTelemetry().then((h) => live && setHistory(h));
    const off = api.onTelemetry((sample) =>
      setHistory((h) => {
        const keep = h.ts.length >= 3_600 ? 1 : 0;
        const metrics: LocalHistory['metrics'] = {};
        const names = new Set([...Object.keys(h.metrics), ...Object.keys(sample.metrics)]);
        for (const name of names) metrics[name] = [...(h.metrics[name] ?? h.ts.map(() => null)).slice(keep), sample.metrics[name] ?? null];
        return { ts: [...h.ts.slice(keep), sample.ts], metrics };
      }),
    );
    return () => {
      live = false;
      off();
    };
  }, [api]);

  const cards = useMemo(() => {
    const last = history.ts.length - 1;
    return Object.entries(history.metrics)
      .filter(([, values]) => last >= 0 && values[last] !== null && values[last] !== undefined) // missing now: hidden, not 0
      .map(([name, values]) => ({ name, values, info: describeMetric(name), current: values[last] as number }))
      .filter((c): c is typeof c & { info: NonNullable<typeof c.info> } => c.info !== null)
      .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  }, [history]);

  const memTotal = history.metrics['mem.total']?.at(-1) ?? null;
  const selected = cards.find((c) => c.name === open);
  return (
    <section className="telemetry" role="dialog" aria-label="This computer" data-testid="telemetry-panel">
      <h2>This computer</h2>
      {cards.length === 0 ? (
        <p role="status">Collecting…</p>
      ) : (
        <div className="cards">
          {cards.map((c) => (
            <button type="button" key={c.name} className={`card${open === c.name ? ' open' : ''}`} aria-pressed={open === c.name} onClick={() => setOpen(open === c.name ? null : c.name)} data-testid={`metric-${c.name}`}>
              <span className="card-label">{c.info.label}</span>
              <span className="card-value">
                {formatValue(c.current, c.info.unit)}
                {c.name === 'mem.used' && memTotal ? <span className="meta"> of {formatValue(memTotal, 'bytes')}</span> : null}
              </span>
              <Sparkline values={c.values.slice(-120)} width={140} height={32} label={`${c.info.label}, last 2 minutes`} />
            </button>
          ))}
        </div>
      )}
      {selected && (
        <figure className="big-chart" data-testid="big-chart">
          <figcaption>
            {selected.info.label}, last {Math.round(selected.values.length / 60)} min: now {formatValue(selected.current, selected.info.unit)}
            <span className="meta">
              {' '}
              (low {formatValue(Math.min(...selected.values.filter((v): v is number => v !== null)), selected.info.unit)}, high{' '}
              {formatValue(Math.max(...selected.values.filter((v): v is number => v !== null)), selected.info.unit)})
            </span>
          </figcaption>
          <Sparkline values={selected.values} width={640} height={160} label={`${selected.info.label}, last hour`} />
        </figure>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
