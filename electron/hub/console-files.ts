/**
 * The web console: the built renderer (out/renderer), served by the hub at `/`.
 * Static files only; the page signs in with the hub token and uses the API.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/** What the console page may do: its own scripts and styles, and talk to this hub. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The built console next to this module (source run, or bundled into out/main), or the configured one. */
export function findConsoleDir(configured?: string): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = configured ? [configured] : [join(here, '../../out/renderer'), join(here, '../renderer'), join(here, '../../renderer')];
  // A built console has assets/; the renderer's source folder does not.
  return candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets'))) ?? null;
}

/** Serves `pathname` from `dir`; false when there is no such file (the caller answers 404). */
export function serveConsoleFile(res: ServerResponse, dir: string, pathname: string): boolean {
  const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  const root = resolve(dir);
  const file = resolve(root, relative);
  if (file !== root && !file.startsWith(root + sep)) return false; // no way out of the console folder
  let body: Buffer;
  try {
    if (!statSync(file).isFile()) return false;
    body = readFileSync(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // Hashed asset names can be cached; index.html must not be.
    'cache-control': relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(body);
  return true;
}
