/**
 * The local signals presence is derived from, read in main: system idle time and
 * screen lock from Electron's powerMonitor, and whether *my* AirPods are in an ear
 * (the scanner only tracks the paired device, so a stranger's never count).
 * Nothing here leaves the machine; the PresenceReporter turns it into a state.
 */
import type { AirPodsView } from '../../shared/airpods/view';
import type { PresenceSignals } from '../../shared/presence/presence';

/** The parts of Electron's powerMonitor used (an interface, so tests can drive it). */
export interface PowerMonitorLike {
  getSystemIdleTime(): number;
  getSystemIdleState(idleThreshold: number): 'active' | 'idle' | 'locked' | 'unknown';
  on(event: 'lock-screen' | 'unlock-screen' | 'suspend' | 'resume', listener: () => void): unknown;
}

/** In at least one ear: true; both out: false; not tracking my AirPods (or a model without ear detection): null. */
export function myAirPodsInEar(view: AirPodsView | undefined): boolean | null {
  if (!view || view.state !== 'tracking' || (!view.left && !view.right)) return null;
  return Boolean(view.left?.inEar || view.right?.inEar);
}

/**
 * `changed`: called at once when the screen locks or unlocks or the machine goes to sleep or wakes,
 * so the reporter reads and publishes then rather than at its next tick — which, for "suspend", would
 * come only after the machine wakes (publishing before sleep is best effort: the OS may not wait).
 */
export function createPresenceSignals(power: PowerMonitorLike, airpods: () => AirPodsView | undefined, changed: () => void = () => undefined): () => PresenceSignals {
  // Lock events where the platform sends them (macOS, Windows); the idle state says "locked" on others that can tell.
  let lockedByEvent = false;
  let suspending = false;
  const on = (event: 'lock-screen' | 'unlock-screen' | 'suspend' | 'resume', apply: () => void) =>
    power.on(event, () => {
      apply();
      changed();
    });
  on('lock-screen', () => (lockedByEvent = true));
  on('unlock-screen', () => (lockedByEvent = false));
  on('suspend', () => (lockedByEvent = suspending = true));
  on('resume', () => (lockedByEvent = suspending = false));
  return () => {
    const idleState = power.getSystemIdleState(1);
    return {
      idleSeconds: idleState === 'unknown' ? null : power.getSystemIdleTime(),
      locked: lockedByEvent || idleState === 'locked',
      myAirPodsInEar: myAirPodsInEar(airpods()),
      suspending,
    };
  };
}
