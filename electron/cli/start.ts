/**
 * `npm start`: the desktop app with its embedded hub. Where no Electron runtime
 * is installed (ELECTRON_SKIP_BINARY_DOWNLOAD, CI, servers), the hub starts with
 * its web console instead, and says so in one line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runHub } from './hub-command';

/** The Electron executable, or null with the reason it is missing. */
export function findElectron(): { path: string } | { missing: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: `the Electron binary is not at ${String(path)}` };
  } catch (err) {
    const message = (err as Error).message;
    // electron's index.js says "failed to install correctly" when its binary was never downloaded.
    if (/failed to install correctly/.test(message)) {
      return { missing: 'the Electron binary was not downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or without network)' };
    }
    return { missing: message.split('\n')[0] ?? 'electron is not installed' };
  }
}

export async function startDesktop(args: string[]): Promise<number> {
  const electron = findElectron();
  if ('missing' in electron) {
    return runHub(
      args,
      (hub) => `No Electron runtime installed (${electron.missing}); started the hub with the web console instead: open ${hub.url}/\n`,
    );
  }
  const build = await run(process.execPath, [createRequire(import.meta.url).resolve('electron-vite/bin/electron-vite.js'), 'build']);
  if (build !== 0) return build;
  return run(electron.path, ['.', ...args]);
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => child.kill(sig));
  });
}
