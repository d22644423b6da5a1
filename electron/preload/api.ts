/**
 * Builds `window.earshot` from the contract, so the preload exposes exactly the
 * contract's methods: no ipcRenderer, no Node, no Electron objects (the listener
 * wrapper drops the IpcRendererEvent, which would leak `sender`).
 */
import { invokeContract, pushContract, type EarshotApi } from '../../shared/ipc/contract';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildPreloadApi(ipc: IpcRendererLike): EarshotApi {
  const api: Record<string, unknown> = {};
  for (const [method, { channel }] of Object.entries(invokeContract)) {
    api[method] = (...args: unknown[]) => ipc.invoke(channel, ...args);
  }
  for (const [method, { channel }] of Object.entries(pushContract)) {
    api[method] = (listener: (payload: unknown) => void) => {
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, wrapped);
      return () => void ipc.removeListener(channel, wrapped);
    };
  }
  return Object.freeze(api) as unknown as EarshotApi;
}
