/**
 * Preload: exposes ONE object, `window.earshot`, built from the IPC contract in
 * shared/ipc/contract.ts — and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadApi } from './api';

contextBridge.exposeInMainWorld('earshot', buildPreloadApi(ipcRenderer));
