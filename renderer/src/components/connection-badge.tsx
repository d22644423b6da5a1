import { useEffect, useState } from 'react';
import type { HubState } from '../../../shared/ipc/contract';
import { useApi, useEarshot } from '../store/context';

/** Always-visible connection state: connecting / live / reconnecting in Ns / auth failed. */
export function ConnectionBadge({ onSignOut }: { onSignOut?: (() => void) | undefined }) {
  const connection = useEarshot((s) => s.hub.connection);
  const api = useApi();
  const now = useNow(connection.status === 'reconnecting' ? 1_000 : null);
  return (
    <div className={`connection connection-${connection.status}`} role="status" aria-live="polite" data-testid="connection">
      <span className="dot" aria-hidden="true" />
      <span>{describe(connection, now)}</span>
      {connection.status === 'reconnecting' && (
        <button type="button" className="link-button" onClick={() => void api.reconnect()}>
          Retry now
        </button>
      )}
      {connection.status === 'auth-failed' && onSignOut && (
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign in again
        </button>
      )}
    </div>
  );
}

export function describe(connection: HubState['connection'], now: number): string {
  switch (connection.status) {
    case 'idle':
      return 'Not connected';
    case 'connecting':
      return connection.attempt > 0 ? `Connecting (attempt ${connection.attempt + 1})…` : 'Connecting…';
    case 'live':
      return 'Live';
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
      return `Reconnecting in ${seconds} s — ${connection.reason}`;
    }
    case 'auth-failed':
      return `Authentication failed: ${connection.reason}`;
  }
}

function useNow(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs === null) return undefined;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
