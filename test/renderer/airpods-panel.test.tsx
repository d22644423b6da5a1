// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AirPodsView } from '../../shared/airpods/view';
import { Connected } from '../../renderer/src/app';
import { FakeApi } from '../helpers/fake-api';

afterEach(cleanup);

const pod = (battery: number | null, inEar: boolean, charging = false) => ({ battery, charging, inEar });
const now = Date.now();

/** A status stream as the desktop app recorded it, from Bluetooth off to the pods out of range. */
const RECORDED: AirPodsView[] = [
  { bluetooth: 'poweredOff', reason: 'Bluetooth is turned off', state: 'unpaired', nearby: [] },
  { bluetooth: 'scanning', state: 'unpaired', nearby: [] },
  {
    bluetooth: 'scanning',
    state: 'unpaired',
    nearby: [
      { address: 'aa:01', model: 'AirPods Pro 2 (USB-C)', color: 0, rssi: -45, lastSeen: now, summary: 'L 90% · R 90% · case ?' },
      { address: 'bb:01', model: 'AirPods Pro 2 (USB-C)', color: 0, rssi: -82, lastSeen: now, summary: 'L 30% · R 30% · case 50%' },
    ],
  },
  { bluetooth: 'scanning', state: 'tracking', model: 'AirPods Pro 2 (USB-C)', left: pod(90, true), right: pod(80, false, true), case: { battery: 50, charging: false, lidOpen: true }, rssi: -46, lastSeen: now, nearby: [] },
  { bluetooth: 'scanning', state: 'not-sure', model: 'AirPods Pro 2 (USB-C)', notSure: 'another pair of the same model is just as close', lastSeen: now, nearby: [] },
  { bluetooth: 'scanning', state: 'not-seen', model: 'AirPods Pro 2 (USB-C)', lastSeen: now - 120_000, nearby: [] },
];

describe('AirPods panel, from a recorded status stream', () => {
  it('says why there is no data, lists candidates to pair, shows batteries and in-ear, and never a stranger\'s', async () => {
    const fake = new FakeApi();
    fake.airpods = RECORDED[0]!;
    render(<Connected api={fake.api} desktop />);
    await act(async () => void 0);
    fireEvent.click(screen.getByRole('button', { name: 'AirPods' }));
    const panel = () => screen.getByTestId('airpods-panel');
    expect(panel().textContent).toContain('No AirPods data: Bluetooth is turned off.');

    act(() => fake.pushAirPods(RECORDED[1]!));
    expect(panel().textContent).toContain('Nothing nearby yet…');

    act(() => fake.pushAirPods(RECORDED[2]!));
    const rows = within(panel()).getAllByRole('listitem');
    expect(rows.map((r) => r.textContent)).toEqual([
      'AirPods Pro 2 (USB-C) (colour 0)L 90% · R 90% · case ?-45 dBmThese are mine',
      'AirPods Pro 2 (USB-C) (colour 0)L 30% · R 30% · case 50%-82 dBmThese are mine',
    ]);
    await act(async () => void fireEvent.click(within(rows[0]!).getByRole('button', { name: 'These are mine' })));
    expect(fake.api.pairAirPods).toHaveBeenCalledWith('aa:01');

    act(() => fake.pushAirPods(RECORDED[3]!));
    expect(screen.getByTestId('pod-left').textContent).toBe('Left90%in ear');
    expect(screen.getByTestId('pod-right').textContent).toBe('Right80%chargingout');
    expect(screen.getByTestId('pod-case').textContent).toBe('Case50%lid open');
    expect(screen.getByTestId('airpods-line').textContent).toBe('AirPods: L 90% · R 80% · case 50% · in ear (L)');

    act(() => fake.pushAirPods(RECORDED[4]!));
    expect(panel().textContent).toContain('Not sure which are yours: another pair of the same model is just as close.');
    expect(panel().textContent).not.toMatch(/\d+%/); // no battery shown when unsure
    expect(screen.getByTestId('airpods-line').textContent).toBe('AirPods: not sure which are yours');

    act(() => fake.pushAirPods(RECORDED[5]!));
    expect(panel().textContent).toContain('Not seen 2 min ago: out of range, or in a closed case.');
    await act(async () => void fireEvent.click(within(panel()).getByRole('button', { name: 'Forget these AirPods' })));
    expect(fake.api.forgetAirPods).toHaveBeenCalled();
  });

  it('is not offered in the web console', () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} />);
    expect(screen.queryByRole('button', { name: 'AirPods' })).toBeNull();
  });
});
