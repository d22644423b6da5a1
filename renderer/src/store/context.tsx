import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { EarshotApi } from '../../../shared/ipc/contract';
import type { EarshotState, EarshotStore } from './store';

const StoreContext = createContext<{ store: EarshotStore; api: EarshotApi } | null>(null);

export function StoreProvider({ store, api, children }: { store: EarshotStore; api: EarshotApi; children: ReactNode }) {
  return <StoreContext.Provider value={{ store, api }}>{children}</StoreContext.Provider>;
}

function useCtx() {
  const ctx = useContext(StoreContext);
  if (!ctx) throw new Error('StoreProvider is missing');
  return ctx;
}

/** Atomic subscription: pass a selector that returns one value (or a memoised one). */
export function useEarshot<T>(selector: (s: EarshotState) => T): T {
  return useStore(useCtx().store, selector);
}

export function useApi(): EarshotApi {
  return useCtx().api;
}

export function useStoreApi(): EarshotStore {
  return useCtx().store;
}
