import { useEffect, useRef, useState } from 'react';
import type { Board } from '../../../shared/board';
import { useApi, useEarshot } from '../store/context';

const PRESENCE_LABEL = { present: 'here', away: 'away', unknown: 'unknown' } as const;

/**
 * Who is on call now and next, who is here (for those who share it), and open incidents
 * by owner. Refreshes when the incidents change, and every 10 s for presence.
 */
export function TeamBoard({ onClose }: { onClose?: () => void }) {
  const api = useApi();
  const seq = useEarshot((s) => s.hub.seq);
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.getBoard().then(
        (b) => live && (setBoard(b), setError(null)),
        (err: unknown) => live && setError((err as Error).message),
      );
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);
  // Any incident event (opened, notified, acknowledged) may change the owners: reload, at most every 300 ms.
  const firstSeq = useRef(seq);
  useEffect(() => {
    if (seq === firstSeq.current) return undefined; // loaded on mount
    let live = true;
    const t = setTimeout(
      () =>
        void api.getBoard().then(
          (b) => live && (setBoard(b), setError(null)),
          (err: unknown) => live && setError((err as Error).message),
        ),
      300,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, seq]);

  const nameOf = (id: string) => board?.people.find((p) => p.id === id)?.name ?? id;
  return (
    <section className="team-board" role="dialog" aria-label="Team" data-testid="team-board">
      <h2>Team</h2>
      {error && <p role="alert">Could not load the team board: {error}</p>}
      {!board && !error && <p role="status">Loading…</p>}
      {board && (
        <>
          {board.teams.length === 0 ? (
            <p className="meta">No on-call rotations are configured on this hub.</p>
          ) : (
            <ul className="rotations">
              {board.teams.map((t) => (
                <li key={t.id} data-testid={`team-${t.id}`}>
                  <strong>{t.id}</strong>: on call <span className="who">{nameOf(t.onCall)}</span>
                  {t.next && (
                    <>
                      , next <span className="who">{nameOf(t.next)}</span> from {new Date(t.handoverAt).toLocaleString()}
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          {board.people.length > 0 && (
            <table className="people">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Presence</th>
                </tr>
              </thead>
              <tbody>
                {board.people.map((p) => (
                  <tr key={p.id} data-testid={`person-${p.id}`}>
                    <td>{p.name}</td>
                    <td className={p.presence ? `presence-${p.presence.state}` : 'meta'}>
                      {p.presence ? `${PRESENCE_LABEL[p.presence.state]} since ${new Date(p.presence.since).toLocaleTimeString()}` : 'not shared'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {board.openByOwner && (
            <div className="owners">
              <h3>Open incidents by owner</h3>
              {board.openByOwner.length === 0 ? (
                <p className="meta">None open.</p>
              ) : (
                board.openByOwner.map((o) => (
                  <div key={o.owner} data-testid={`owner-${o.owner}`}>
                    <h4>{o.owner === 'unassigned' ? 'Unassigned' : nameOf(o.owner)}</h4>
                    <ul>
                      {o.incidents.map((i) => (
                        <li key={i.id}>
                          #{i.id} {i.title} <span className="meta">({i.severity}, {i.status})</span>
                        </li>
                      ))}
                    </ul>
                  </div>
                ))
              )}
            </div>
          )}
        </>
      )}
      {onClose && (
        <div className="actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
