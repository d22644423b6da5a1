import { useEffect, useState } from 'react';
import type { PresenceView } from '../../../shared/presence/reporter';
import { useApi } from '../store/context';

const SIGNAL_TEXT = {
  idle: 'how long since your last keyboard or mouse input on this computer (a number, not what you typed)',
  lock: 'whether this computer’s screen is locked or asleep',
  airpods: 'whether your own paired AirPods are in your ears (nobody else’s ever count)',
  page: 'how long since your last keyboard, mouse or touch input in this page (a browser sees nothing else; the desktop app sees the whole computer)',
} as const;

const STATE_TEXT = { present: 'present', away: 'away', unknown: 'unknown' } as const;

/** The consent screen: plain words on what is derived, from what, who sees it, how long it is kept, how to stop and delete. */
function ConsentScreen({ view, onAgree, onCancel, busy }: { view: PresenceView; onAgree: () => void; onCancel: () => void; busy: boolean }) {
  const p = view.policy;
  const seenBy = p ? [...p.seenBy, ...(p.admins ? ['the hub’s administrators'] : [])] : [];
  return (
    <div className="consent" role="region" aria-label="Presence consent" data-testid="presence-consent">
      <h3>Share your presence with your team?</h3>
      <p>It is off until you agree here, and you can stop at any time.</p>
      <h4>What is shared</h4>
      <p>
        Only one word — <strong>present</strong>, <strong>away</strong> or <strong>unknown</strong> — and since when. Never audio, never your location, never
        what you type, never raw Bluetooth data.
      </p>
      <h4>Worked out on this device from</h4>
      <ul>
        {view.signals.map((s) => (
          <li key={s}>{SIGNAL_TEXT[s]}</li>
        ))}
      </ul>
      <p>A glance away does not count: you show as away only after a while without any of these, and as back after a few seconds of them.</p>
      <h4>Who sees it, and why</h4>
      <p>
        {p ? (seenBy.length ? `${seenBy.join(', ')}.` : 'Nobody else on this hub.') : 'Could not ask the hub who can see it; connect first.'} When you are on call and
        away, alerts go straight to the next person instead of waiting for you.
      </p>
      <h4>How long it is kept</h4>
      <p>{p ? `The hub keeps each update for ${p.retentionDays} day${p.retentionDays === 1 ? '' : 's'}, then deletes it.` : 'Unknown until connected.'}</p>
      <h4>How to stop and delete</h4>
      <p>
        “Stop sharing” here sends nothing more. “Delete my presence data” removes everything the hub holds about your presence at once. The hub’s audit log records
        that you agreed, stopped or deleted — never the data itself.
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !p} onClick={onAgree}>
          I agree — share my presence
        </button>
        <button type="button" onClick={onCancel}>
          Not now
        </button>
      </div>
    </div>
  );
}

/** The presence switch: off by default; on only through the consent screen; delete from here too. */
export function PresencePanel({ onClose }: { onClose?: () => void }) {
  const api = useApi();
  const [view, setView] = useState<PresenceView | null>(null);
  const [asking, setAsking] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api.getPresence().then((v) => live && setView(v), () => undefined);
    const off = api.onPresence(setView);
    return () => {
      live = false;
      off();
    };
  }, [api]);

  const act = async (call: () => Promise<PresenceView | { deleted: number; view: PresenceView }>, done?: (r: { deleted: number }) => string) => {
    setBusy(true);
    setNotice(null);
    try {
      const r = await call();
      const v = 'view' in r ? r.view : r;
      setView(v);
      if (done && 'deleted' in r) setNotice(done(r));
    } catch (err) {
      setNotice(`Failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="presence-panel" role="dialog" aria-label="Presence" data-testid="presence-panel">
      <h2>My presence</h2>
      {!view && <p role="status">Loading…</p>}
      {view && (
        <>
          <p data-testid="presence-status">
            {view.sharing ? (
              <>
                Sharing: you appear as <strong className={`presence-${view.state}`}>{STATE_TEXT[view.state]}</strong>
                {view.since !== null && <> since {new Date(view.since).toLocaleTimeString()}</>}.
                {view.publishedAt !== null && <span className="meta"> Last sent {new Date(view.publishedAt).toLocaleTimeString()}.</span>}
              </>
            ) : (
              <>Presence sharing is off. Nobody can see whether you are here.</>
            )}
          </p>
          {view.error && <p role="alert">{view.error}</p>}
          {notice && <p role="status">{notice}</p>}
          {asking && !view.sharing ? (
            <ConsentScreen
              view={view}
              busy={busy}
              onCancel={() => setAsking(false)}
              onAgree={() => void act(() => api.setPresenceSharing(true)).then(() => setAsking(false))}
            />
          ) : (
            <div className="actions">
              {view.sharing ? (
                <button type="button" disabled={busy} onClick={() => void act(() => api.setPresenceSharing(false))}>
                  Stop sharing
                </button>
              ) : (
                <button
                  type="button"
                  className="primary"
                  onClick={() => {
                    setAsking(true);
                    if (!view.policy) void api.getPresence().then(setView); // fetched on connect; asked again if that failed
                  }}
                >
                  Share my presence…
                </button>
              )}
              {confirmDelete ? (
                <>
                  <span>Delete everything the hub holds about your presence?</span>
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() =>
                      void act(
                        () => api.deletePresenceData(),
                        (r) => `Deleted ${r.deleted} presence record${r.deleted === 1 ? '' : 's'}; sharing is off.`,
                      ).then(() => setConfirmDelete(false))
                    }
                  >
                    Yes, delete
                  </button>
                  <button type="button" onClick={() => setConfirmDelete(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => setConfirmDelete(true)}>
                  Delete my presence data
                </button>
              )}
              {onClose && (
                <button type="button" onClick={onClose}>
                  Close
                </button>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
