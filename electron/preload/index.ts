/**
 * Preload: exposes exactly one typed object, `window.earshot`, and nothing from
 * Node or Electron. The full IPC contract (shared/ipc) comes with the desktop app.
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('earshot', Object.freeze({ version: '0.1.0' }));
