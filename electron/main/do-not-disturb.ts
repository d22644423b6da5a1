/**
 * Do Not Disturb / Focus, where the platform lets an app read it. GNOME exposes
 * it (notifications' show-banners = false). macOS Focus and Windows Focus Assist
 * have no public API to read; there the announcer's own pause and quiet hours apply.
 */
import { spawnSync } from 'node:child_process';

export function parseGnomeShowBanners(output: string): boolean | null {
  const v = output.trim();
  if (v === 'false') return true;
  if (v === 'true') return false;
  return null;
}

export function createDoNotDisturbReader(platform: NodeJS.Platform, ttlMs = 30_000, now = Date.now): () => boolean {
  if (platform !== 'linux') return () => false;
  let cached = { at: -Infinity, value: false };
  return () => {
    if (now() - cached.at < ttlMs) return cached.value;
    const r = spawnSync('gsettings', ['get', 'org.gnome.desktop.notifications', 'show-banners'], { encoding: 'utf8', timeout: 1_000 });
    cached = { at: now(), value: r.status === 0 ? parseGnomeShowBanners(r.stdout) ?? false : false };
    return cached.value;
  };
}
