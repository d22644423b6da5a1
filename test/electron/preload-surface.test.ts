/**
 * What the preload gives the page: `window.earshot` with exactly the contract's
 * methods, and nothing from Node or Electron (the Beekeeper Studio habit: a test
 * of what is NOT exposed).
 */
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, invokeContract, pushContract } from '../../shared/ipc/contract';

const exposed = new Map<string, unknown>();
const ipcRenderer = {
  invoke: vi.fn(async (..._args: unknown[]) => 'result'),
  on: vi.fn(),
  removeListener: vi.fn(),
  send: vi.fn(),
  sendSync: vi.fn(),
};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer,
}));

describe('preload surface', () => {
  it('exposes one global, earshot, with exactly the contract methods as functions', async () => {
    await import('../../electron/preload/index');
    expect([...exposed.keys()]).toEqual(['earshot']);
    const api = exposed.get('earshot') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...API_METHODS]);
    for (const key of Object.keys(api)) expect(typeof api[key], key).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('exposes nothing of Node or Electron', () => {
    const api = exposed.get('earshot') as Record<string, unknown>;
    for (const forbidden of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'require', 'process', 'Buffer', 'shell', 'remote', 'webFrame']) {
      expect(api, forbidden).not.toHaveProperty(forbidden);
    }
    expect(Object.getPrototypeOf(api)).toBe(Object.prototype);
  });

  it('forwards calls to their contract channel only, and hides the IPC event from listeners', async () => {
    const api = exposed.get('earshot') as Record<string, (...a: unknown[]) => unknown>;
    await api['ack']!(42);
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(invokeContract.ack.channel, 42);
    const listener = vi.fn();
    const off = api['onHubState']!(listener) as () => void;
    const [channel, wrapped] = ipcRenderer.on.mock.calls.at(-1) as [string, (event: unknown, payload: unknown) => void];
    expect(channel).toBe(pushContract.onHubState.channel);
    wrapped({ sender: { send: () => 'would leak' } }, { seq: 1 });
    expect(listener).toHaveBeenCalledWith({ seq: 1 });
    expect(listener.mock.calls[0]).toHaveLength(1); // the event (and its sender) never reach the page
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith(pushContract.onHubState.channel, wrapped);
  });
});
