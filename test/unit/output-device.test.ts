import { describe, expect, it } from 'vitest';
import { pickOutputDevice } from '../../shared/announce/output-device';

const devices = [
  { deviceId: 'default', label: 'Default - MacBook Pro Speakers', kind: 'audiooutput' },
  { deviceId: 'mic1', label: 'AirPods Pro', kind: 'audioinput' },
  { deviceId: 'spk', label: 'MacBook Pro Speakers', kind: 'audiooutput' },
  { deviceId: 'pods', label: "Ana's AirPods Pro", kind: 'audiooutput' },
];

describe('pickOutputDevice', () => {
  it('prefers the AirPods output when they are connected, by label', () => {
    expect(pickOutputDevice(devices, { mode: 'prefer-airpods' })).toEqual({ deviceId: 'pods', label: "Ana's AirPods Pro", reason: "Ana's AirPods Pro connected" });
  });
  it('falls back to the system default without AirPods (an AirPods microphone is not an output)', () => {
    expect(pickOutputDevice(devices.filter((d) => d.deviceId !== 'pods'), { mode: 'prefer-airpods' }).deviceId).toBe('');
  });
  it('finds a named device, or says it is not connected', () => {
    expect(pickOutputDevice(devices, { mode: 'device', label: 'MacBook Pro Speakers' }).deviceId).toBe('spk');
    expect(pickOutputDevice(devices, { mode: 'device', label: 'Studio Display' })).toEqual({ deviceId: '', label: 'System default', reason: 'Studio Display not connected: system default' });
  });
  it('uses the system default when asked', () => {
    expect(pickOutputDevice(devices, { mode: 'default' }).deviceId).toBe('');
  });
});
