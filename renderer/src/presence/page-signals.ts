/**
 * Presence signals a web page can honestly read: the last keyboard, mouse or touch
 * input in this page, and whether the page is hidden. A browser cannot see the
 * whole machine's idle time or its lock screen — the desktop app can, and says so
 * on its consent screen; the web console's consent screen says what it sees.
 * A hidden page is not "locked" (the person may be in another tab), so it only
 * counts as idle time, never as a lock.
 */
import type { PresenceSignals } from '../../../shared/presence/presence';

const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

export function createPageSignals(doc: Document = document, now: () => number = Date.now): { read: () => PresenceSignals; dispose: () => void } {
  let lastInput = now();
  const onInput = () => (lastInput = now());
  for (const e of INPUT_EVENTS) doc.addEventListener(e, onInput, { passive: true, capture: true });
  return {
    read: () => ({ idleSeconds: Math.max(0, (now() - lastInput) / 1000), locked: null, myAirPodsInEar: null }),
    dispose: () => {
      for (const e of INPUT_EVENTS) doc.removeEventListener(e, onInput, { capture: true });
    },
  };
}
