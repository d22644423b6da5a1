/**
 * Electron main process: starts the embedded hub and a locked-down window.
 * Deliberately thin: the tray, IPC contract, notifications and services come
 * with the desktop-app work (see the issues); logic lives in modules that run
 * under plain Node and are tested there.
 */
import { join } from 'node:path';
import { app, BrowserWindow, shell } from 'electron';
import { parseHubConfig } from '../hub/config';
import { startHub, type RunningHub } from '../hub/index';

let hub: RunningHub | undefined;

async function createWindow(): Promise<void> {
  hub = await startHub(parseHubConfig({ dataDir: join(app.getPath('userData'), 'hub') }));
  const win = new BrowserWindow({
    width: 960,
    height: 640,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  await win.loadFile(join(__dirname, '../renderer/index.html'));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.whenReady().then(createWindow, (err: unknown) => {
    console.error(err);
    app.exit(1);
  });
  app.on('window-all-closed', () => {
    void hub?.close().finally(() => app.quit());
  });
}
