// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Connected } from '../../renderer/src/app';
import { FakeApi } from '../helpers/fake-api';

afterEach(cleanup);

/** Two minutes as the desktop app recorded them. */
function recorded() {
  const ts = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 1_000);
  return {
    ts,
    metrics: {
      'cpu.total': ts.map((_, i) => 20 + (i % 10)),
      'cpu.core.0': ts.map((_, i) => 30 + (i % 5)),
      'mem.used': ts.map(() => 6 * 1024 ** 3),
      'mem.total': ts.map(() => 16 * 1024 ** 3),
      'net.eth0.rx': ts.map((_, i) => (i < 60 ? null : 2048)),
      'disk.used': ts.map(() => 71.4),
    },
  };
}

describe('telemetry panel, from a recorded stream', () => {
  it('shows live values with units, hides what is missing, and opens the last hour on click', async () => {
    const fake = new FakeApi();
    fake.telemetry = recorded();
    render(<Connected api={fake.api} desktop />);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'This computer' })));
    expect(screen.getByTestId('metric-cpu.total').textContent).toMatch(/^CPU29 %/);
    expect(screen.getByTestId('metric-mem.used').textContent).toContain('6.0 GiB of 16 GiB');
    expect(screen.getByTestId('metric-net.eth0.rx').textContent).toContain('2.0 KiB/s');
    expect(screen.getByTestId('metric-disk.used').textContent).toContain('71 %');
    expect(screen.queryByTestId('metric-battery.percent')).toBeNull(); // a desktop: no battery card, not "0 %"
    expect(screen.queryByTestId('metric-mem.total')).toBeNull();

    // Live: a new sample arrives; the network interface went down (absent now).
    act(() => fake.sample({ ts: 1_700_000_120_000, metrics: { 'cpu.total': 55, 'cpu.core.0': 60, 'mem.used': 7 * 1024 ** 3, 'mem.total': 16 * 1024 ** 3, 'disk.used': 71.5 } }));
    expect(screen.getByTestId('metric-cpu.total').textContent).toMatch(/^CPU55 %/);
    expect(screen.queryByTestId('metric-net.eth0.rx')).toBeNull();

    fireEvent.click(screen.getByTestId('metric-cpu.total'));
    expect(screen.getByTestId('big-chart').textContent).toContain('CPU, last 2 min: now 55 % (low 20 %, high 55 %)');
    expect(screen.getByRole('img', { name: 'CPU, last hour' }).querySelector('path')?.getAttribute('d')).toMatch(/^M0\.0 /);
  });
});
