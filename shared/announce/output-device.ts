/** Which audio output an announcement goes to: pure, so it is the same in Electron and the browser. */

export interface OutputDeviceLike {
  deviceId: string;
  label: string;
  kind: string;
}

export type OutputSetting = { mode: 'default' } | { mode: 'device'; label: string } | { mode: 'prefer-airpods' };

export interface OutputChoice {
  /** '' is the system default. */
  deviceId: string;
  label: string;
  /** Why this one, for the UI ("AirPods Pro connected", "Studio Display not connected: default"). */
  reason: string;
}

const AIRPODS = /airpods/i;

export function pickOutputDevice(devices: readonly OutputDeviceLike[], setting: OutputSetting): OutputChoice {
  const outputs = devices.filter((d) => d.kind === 'audiooutput' && d.deviceId !== 'default' && d.deviceId !== 'communications');
  if (setting.mode === 'prefer-airpods') {
    const pods = outputs.find((d) => AIRPODS.test(d.label));
    return pods ? { deviceId: pods.deviceId, label: pods.label, reason: `${pods.label} connected` } : { deviceId: '', label: 'System default', reason: 'no AirPods connected: system default' };
  }
  if (setting.mode === 'device') {
    const match = outputs.find((d) => d.label === setting.label);
    return match ? { deviceId: match.deviceId, label: match.label, reason: `${match.label}` } : { deviceId: '', label: 'System default', reason: `${setting.label} not connected: system default` };
  }
  return { deviceId: '', label: 'System default', reason: 'system default' };
}
