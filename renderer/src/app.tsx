import { useEffect, useMemo, useState } from 'react';
import type { EarshotApi } from '../../shared/ipc/contract';
import { Login } from './components/login';
import { Shell } from './components/shell';
import { createWebApi, TOKEN_KEY } from './api/web-api';
import { StoreProvider } from './store/context';
import { createEarshotStore } from './store/store';

declare global {
  interface Window {
    /** Present in the desktop app (from preload); absent in the web console. */
    earshot?: EarshotApi;
  }
}

/** Binds a store to an API and keeps it fed with hub state. */
export function Connected({ api, onSignOut, desktop = false }: { api: EarshotApi; onSignOut?: (() => void) | undefined; desktop?: boolean }) {
  const store = useMemo(() => createEarshotStore(api), [api]);
  useEffect(() => {
    const offState = api.onHubState((state) => store.getState().applyHubState(state));
    const offShow = api.onShowIncident((id) => store.getState().openDetail(id));
    return () => {
      offState();
      offShow();
    };
  }, [api, store]);
  return (
    <StoreProvider store={store} api={api}>
      <Shell onSignOut={onSignOut} hasSettings={desktop} />
    </StoreProvider>
  );
}

export function App() {
  if (window.earshot) return <Connected api={window.earshot} desktop />;
  return <WebConsole />;
}

/** In a browser: sign in with the hub token, then the same UI over the hub's WebSocket. */
function WebConsole() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [error, setError] = useState<string>();
  const api = useMemo(() => (token ? createWebApi(window.location.origin, token) : null), [token]);
  useEffect(() => {
    if (!api) return undefined;
    const off = api.onHubState((s) => {
      if (s.connection.status === 'auth-failed') {
        api.client.stop();
        sessionStorage.removeItem(TOKEN_KEY);
        setError('The hub did not accept that token.');
        setToken(null);
      }
    });
    return () => {
      off();
      api.client.stop();
    };
  }, [api]);
  if (!api) {
    return (
      <Login
        error={error}
        onSubmit={(t, name) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          sessionStorage.setItem('earshot.actor', name);
          setError(undefined);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Connected
      api={api}
      onSignOut={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken(null);
      }}
    />
  );
}
