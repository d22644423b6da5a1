import type { AirPodsView } from '../../../shared/airpods/view';
import { batterySummary } from '../../../shared/airpods/view';
import { formatAge } from './format';

function Battery({ label, battery, charging, extra }: { label: string; battery: number | null; charging: boolean; extra?: string | undefined }) {
  return (
    <div className="pod" data-testid={`pod-${label.toLowerCase()}`}>
      <span className="pod-label">{label}</span>
      <span className="pod-battery">{battery === null ? 'unknown' : `${battery}%`}</span>
      {charging && <span className="pod-charging">charging</span>}
      {extra && <span className="pod-extra">{extra}</span>}
    </div>
  );
}

/** One line for the top bar / popover: the state at a glance. */
export function AirPodsLine({ view }: { view: AirPodsView }) {
  if (view.bluetooth !== 'scanning' || view.state === 'unpaired') return null;
  let text: string;
  if (view.state === 'tracking') {
    const inEar = [view.left?.inEar && 'L', view.right?.inEar && 'R'].filter(Boolean).join('+');
    text = `${batterySummary(view)}${inEar ? ` · in ear (${inEar})` : ''}`;
  } else if (view.state === 'not-sure') text = 'not sure which are yours';
  else if (view.state === 'not-seen') text = 'not seen';
  else text = 'looking…';
  return (
    <span className="airpods-line" data-testid="airpods-line">
      AirPods: {text}
    </span>
  );
}

export function AirPodsPanel({ view, onPair, onForget, onClose }: { view: AirPodsView; onPair: (address: string) => void; onForget: () => void; onClose: () => void }) {
  const now = Date.now();
  return (
    <section className="airpods" role="dialog" aria-label="AirPods" data-testid="airpods-panel">
      <h2>AirPods{view.model ? `: ${view.model}` : ''}</h2>
      {view.bluetooth !== 'scanning' ? (
        <p role="status">No AirPods data: {view.reason ?? `Bluetooth is ${view.bluetooth}`}.</p>
      ) : view.state === 'unpaired' ? (
        <>
          <p>Pair your AirPods: open their case near this computer, then pick yours. Other people&apos;s AirPods nearby show up too; yours are usually the strongest signal.</p>
          {view.nearby.length === 0 ? (
            <p role="status">Nothing nearby yet…</p>
          ) : (
            <ul className="candidates">
              {view.nearby.map((c) => (
                <li key={c.address}>
                  <span>
                    {c.model} <span className="meta">(colour {c.color})</span>
                  </span>
                  <span>{c.summary}</span>
                  <span className="meta">{c.rssi} dBm</span>
                  <button type="button" onClick={() => onPair(c.address)}>
                    These are mine
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : view.state === 'tracking' ? (
        <div className="pods">
          {view.single ? (
            <Battery label="Battery" battery={view.single.battery} charging={view.single.charging} />
          ) : (
            <>
              {view.left && <Battery label="Left" battery={view.left.battery} charging={view.left.charging} extra={view.left.inEar ? 'in ear' : 'out'} />}
              {view.right && <Battery label="Right" battery={view.right.battery} charging={view.right.charging} extra={view.right.inEar ? 'in ear' : 'out'} />}
              {view.case && <Battery label="Case" battery={view.case.battery} charging={view.case.charging} extra={view.case.lidOpen === null ? undefined : view.case.lidOpen ? 'lid open' : 'lid closed'} />}
            </>
          )}
          <p className="meta">
            Signal {view.rssi} dBm · seen {view.lastSeen ? formatAge(new Date(view.lastSeen).toISOString(), now) : ''}
          </p>
        </div>
      ) : view.state === 'not-sure' ? (
        <p role="status">Not sure which are yours: {view.notSure}. Earshot will not show someone else&apos;s battery.</p>
      ) : view.state === 'not-seen' ? (
        <p role="status">Not seen {view.lastSeen ? formatAge(new Date(view.lastSeen).toISOString(), now) : 'recently'}: out of range, or in a closed case.</p>
      ) : (
        <p role="status">Looking for your {view.model}…</p>
      )}
      <div className="actions">
        {view.state !== 'unpaired' && (
          <button type="button" onClick={onForget}>
            Forget these AirPods
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
