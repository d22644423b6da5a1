import { useState } from 'react';
import type { Link } from '../../../shared/incidents/types';
import { isSafeExternalUrl } from '../../../shared/ipc/contract';
import { selectDetailSummary } from '../store/store';
import { useApi, useEarshot } from '../store/context';
import { formatTime } from './format';
import { RunbooksSection } from './runbooks-section';

/** A sender's link: a button that opens it externally when it is http(s); plain text otherwise. */
export function ExternalLink({ link }: { link: Link }) {
  const api = useApi();
  if (!isSafeExternalUrl(link.href)) {
    return (
      <span className="unsafe-link" title="Not an http(s) link: shown as text only">
        {link.href ? `${link.text}: ${link.href}` : link.text}
      </span>
    );
  }
  return (
    <button type="button" className="link-button" title={link.href} onClick={() => void api.openExternal(link.href)}>
      {link.text}
    </button>
  );
}

function Labels({ title, labels }: { title: string; labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      <dl className="labels">
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function SnoozeMenu({ id }: { id: number }) {
  const snooze = useEarshot((s) => s.snooze);
  const close = useEarshot((s) => s.closeSnooze);
  const [custom, setCustom] = useState('');
  return (
    <div className="snooze-menu" role="dialog" aria-label={`Snooze incident ${id}`} data-testid="snooze-menu">
      <button type="button" autoFocus onClick={() => void snooze('15m', id)}>
        15 minutes
      </button>
      <button type="button" onClick={() => void snooze('1h', id)}>
        1 hour
      </button>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (custom.trim()) void snooze(custom.trim(), id);
        }}
      >
        <input aria-label="Custom snooze duration" placeholder="e.g. 90m, 4h" value={custom} onChange={(e) => setCustom(e.target.value)} />
        <button type="submit">Snooze</button>
      </form>
      <button type="button" className="link-button" onClick={close}>
        Cancel
      </button>
    </div>
  );
}

export function Actions({ id, status }: { id: number; status: string }) {
  const ack = useEarshot((s) => s.ack);
  const resolve = useEarshot((s) => s.resolve);
  const openSnooze = useEarshot((s) => s.openSnooze);
  const snoozeFor = useEarshot((s) => s.snoozeFor);
  const busy = useEarshot((s) => s.busy.has(id));
  const canAct = useEarshot((s) => s.hub.canAct);
  const role = useEarshot((s) => s.hub.role);
  const resolved = status === 'resolved';
  const off = busy || resolved || !canAct;
  const why = canAct ? undefined : `Your role${role ? ` (${role})` : ''} may only look`;
  return (
    <div className="actions">
      {!canAct && <p className="meta">{why}: acknowledging, resolving and snoozing are for responders.</p>}
      <button type="button" disabled={off || status === 'acknowledged'} title={why} onClick={() => void ack(id)} aria-keyshortcuts="a">
        Acknowledge <kbd>a</kbd>
      </button>
      <button type="button" disabled={off} title={why} onClick={() => void resolve(id)} aria-keyshortcuts="r">
        Resolve <kbd>r</kbd>
      </button>
      <button type="button" disabled={off} title={why} onClick={() => openSnooze(id)} aria-keyshortcuts="s" aria-expanded={snoozeFor === id}>
        Snooze <kbd>s</kbd>
      </button>
      {snoozeFor === id && <SnoozeMenu id={id} />}
    </div>
  );
}

export function IncidentDetailPanel() {
  const open = useEarshot((s) => s.detailOpen);
  const detail = useEarshot((s) => s.detail);
  const summary = useEarshot(selectDetailSummary);
  const close = useEarshot((s) => s.closeDetail);
  if (!open || !detail) return null;
  if (detail.error && !detail.data) {
    return (
      <aside className="detail" aria-label="Incident detail">
        <p className="error" role="alert">
          Could not load incident #{detail.id}: {detail.error}
        </p>
        <button type="button" onClick={close}>
          Close
        </button>
      </aside>
    );
  }
  if (!detail.data) {
    return (
      <aside className="detail" aria-label="Incident detail" aria-busy="true">
        <p role="status">Loading incident #{detail.id}…</p>
      </aside>
    );
  }
  const d = detail.data;
  const status = summary?.status ?? d.status;
  return (
    <aside className="detail" aria-label={`Incident ${d.id}`} data-testid="incident-detail">
      <header>
        <button type="button" className="close" aria-label="Close detail (Escape)" onClick={close}>
          ×
        </button>
        <span className={`severity-badge severity-${d.severity}`}>{d.severity}</span>
        <h2>{d.title}</h2>
        <p className="meta">
          #{d.id} · {d.source} · <span className={`status-badge status-${status}`}>{status}</span>
          {d.snoozedUntil && <> · snoozed until {formatTime(d.snoozedUntil)}</>}
        </p>
        <p className="meta">
          Opened {formatTime(d.createdAt)}
          {d.acknowledgedBy && <> · acknowledged by {d.acknowledgedBy} at {formatTime(d.acknowledgedAt)}</>}
          {d.resolvedAt && <> · resolved {d.resolvedBy ? `by ${d.resolvedBy} ` : ''}at {formatTime(d.resolvedAt)}</>}
        </p>
        {d.truncatedAlerts > 0 && <p className="meta">The sender left out {d.truncatedAlerts} more alerts.</p>}
      </header>
      <Actions id={d.id} status={status} />
      {d.links.length > 0 && (
        <section aria-label="Links">
          <h3>Links</h3>
          <div className="links">
            {d.links.map((l, i) => (
              <ExternalLink key={i} link={l} />
            ))}
          </div>
        </section>
      )}
      <RunbooksSection incidentId={d.id} />
      <Labels title="Labels" labels={d.commonLabels} />
      <section aria-label="Alerts">
        <h3>Alerts ({d.alerts.length})</h3>
        <ul className="alerts">
          {d.alerts.map((a) => (
            <li key={a.fingerprint} className={`alert status-${a.status}`}>
              <p>
                <span className={`severity-badge severity-${a.severity}`}>{a.severity}</span> <strong>{a.summary}</strong>{' '}
                <span className="meta">
                  {a.status} since {formatTime(a.status === 'firing' ? a.startsAt : a.endsAt)}
                </span>
              </p>
              {a.description && <p className="description">{a.description}</p>}
              <Labels title="Labels" labels={a.labels} />
              <Labels title="Annotations" labels={a.annotations} />
              {a.links.length > 0 && (
                <div className="links">
                  {a.links.map((l, i) => (
                    <ExternalLink key={i} link={l} />
                  ))}
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Timeline">
        <h3>Timeline</h3>
        <ol className="timeline">
          {d.timeline.map((t) => (
            <li key={t.seq}>
              <time dateTime={t.at}>{formatTime(t.at)}</time> <span>{t.text}</span> <span className="meta">({t.actor})</span>
            </li>
          ))}
        </ol>
      </section>
    </aside>
  );
}
