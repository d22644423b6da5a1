import { useEffect, useRef } from 'react';
import type { IncidentSummary } from '../../../shared/incidents/types';
import { selectCounts, selectVisible, type StatusFilter } from '../store/store';
import { useEarshot } from '../store/context';
import { formatAge } from './format';

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'triggered', label: 'Triggered' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];

export function Filters({ searchRef }: { searchRef: React.RefObject<HTMLInputElement | null> }) {
  const statusFilter = useEarshot((s) => s.statusFilter);
  const text = useEarshot((s) => s.text);
  const counts = useEarshot(selectCounts);
  const setStatusFilter = useEarshot((s) => s.setStatusFilter);
  const setText = useEarshot((s) => s.setText);
  const countFor = (f: StatusFilter) =>
    f === 'open' ? counts.triggered + counts.acknowledged : f === 'all' ? counts.triggered + counts.acknowledged + counts.resolved : counts[f];
  return (
    <div className="filters">
      <div role="group" aria-label="Filter by state" className="segmented">
        {FILTERS.map((f) => (
          <button key={f.value} type="button" aria-pressed={statusFilter === f.value} onClick={() => setStatusFilter(f.value)} data-testid={`filter-${f.value}`}>
            {f.label} <span className="count">{countFor(f.value)}</span>
          </button>
        ))}
      </div>
      <input
        ref={searchRef}
        type="search"
        placeholder="Filter by text (press /)"
        aria-label="Filter incidents by text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setText('');
            e.currentTarget.blur();
          }
        }}
      />
    </div>
  );
}

export function IncidentList() {
  const incidents = useEarshot(selectVisible);
  const selectedId = useEarshot((s) => s.selectedId);
  const stale = useEarshot((s) => s.hub.stale);
  const loaded = useEarshot((s) => s.hub.seq >= 0);
  const total = useEarshot((s) => s.hub.incidents.length);
  const select = useEarshot((s) => s.select);
  const openDetail = useEarshot((s) => s.openDetail);
  const busy = useEarshot((s) => s.busy);
  const selectedRef = useRef<HTMLLIElement | null>(null);
  useEffect(() => {
    selectedRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [selectedId]);

  if (!loaded) {
    return (
      <div className="empty" role="status" data-testid="list-loading">
        Loading incidents from the hub…
      </div>
    );
  }
  const staleNote = stale && (
    <p className="stale-note" role="note">
      Not live: this list may be out of date.
    </p>
  );
  if (incidents.length === 0) {
    return (
      <>
        {staleNote}
        <div className="empty" data-testid="list-empty">
          {total === 0 ? 'All clear: no incidents.' : 'No incidents match this filter.'}
        </div>
      </>
    );
  }
  const now = Date.now();
  return (
    <>
      {staleNote}
      <ul className={`incident-list${stale ? ' is-stale' : ''}`} role="listbox" aria-label="Incidents" data-testid="incident-list">
        {incidents.map((incident) => (
          <Row
            key={incident.id}
            incident={incident}
            selected={incident.id === selectedId}
            busy={busy.has(incident.id)}
            now={now}
            rowRef={incident.id === selectedId ? selectedRef : undefined}
            onSelect={() => select(incident.id)}
            onOpen={() => openDetail(incident.id)}
          />
        ))}
      </ul>
    </>
  );
}

function Row(props: {
  incident: IncidentSummary;
  selected: boolean;
  busy: boolean;
  now: number;
  rowRef: React.RefObject<HTMLLIElement | null> | undefined;
  onSelect: () => void;
  onOpen: () => void;
}) {
  const { incident: i } = props;
  return (
    <li
      ref={props.rowRef}
      role="option"
      aria-selected={props.selected}
      className={`incident status-${i.status} severity-${i.severity}${props.selected ? ' selected' : ''}`}
      data-testid={`incident-${i.id}`}
      data-status={i.status}
      onClick={props.onSelect}
      onDoubleClick={props.onOpen}
    >
      <span className={`severity-badge severity-${i.severity}`}>{i.severity}</span>
      <span className="title">{i.title}</span>
      <span className="meta">
        #{i.id} · {i.source} · {i.alertCounts.firing} firing · {formatAge(i.createdAt, props.now)}
      </span>
      <span className={`status-badge status-${i.status}`}>{props.busy ? 'sending…' : i.status}</span>
    </li>
  );
}
