// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connected } from '../../renderer/src/app';
import { FakeApi, summary } from '../helpers/fake-api';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function mount() {
  const fake = new FakeApi();
  render(<Connected api={fake.api} />);
  return fake;
}

const key = (k: string) => act(() => void fireEvent.keyDown(document, { key: k }));

describe('incident console', () => {
  it('shows a loading state, then an all-clear state, never a blank page', () => {
    const fake = new FakeApi();
    fake.state = { connection: { status: 'connecting', attempt: 0 }, incidents: [], seq: -1, stale: true, role: null, canAct: true, canRead: true };
    render(<Connected api={fake.api} />);
    expect(screen.getByTestId('list-loading').textContent).toMatch(/Loading incidents/);
    act(() => fake.push({ connection: { status: 'live', since: 0 }, seq: 0, stale: false }));
    expect(screen.getByTestId('list-empty').textContent).toBe('All clear: no incidents.');
  });

  it('lists incidents in order and updates live without reload', () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1), summary(2, { severity: 'critical' })] }));
    const rows = () => within(screen.getByTestId('incident-list')).getAllByRole('option').map((r) => r.getAttribute('data-testid'));
    expect(rows()).toEqual(['incident-2', 'incident-1']);
    act(() => fake.push({ incidents: [summary(1), summary(2, { severity: 'critical', status: 'acknowledged' })] }));
    expect(rows()).toEqual(['incident-1', 'incident-2']);
    expect(screen.getByTestId('incident-2').getAttribute('data-status')).toBe('acknowledged');
  });

  it('j/k move, a acknowledges, r resolves, s opens snooze, Enter opens the detail, Escape closes it', async () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1), summary(2), summary(3)] }));
    const selected = () => screen.getAllByRole('option').find((r) => r.getAttribute('aria-selected') === 'true')?.getAttribute('data-testid');
    expect(selected()).toBe('incident-3');
    key('j');
    expect(selected()).toBe('incident-2');
    key('j');
    key('k');
    expect(selected()).toBe('incident-2');
    await act(async () => void fireEvent.keyDown(document, { key: 'a' }));
    expect(fake.api.ack).toHaveBeenCalledWith(2);
    await act(async () => void fireEvent.keyDown(document, { key: 'r' }));
    expect(fake.api.resolve).toHaveBeenCalledWith(2);
    await act(async () => void fireEvent.keyDown(document, { key: 'Enter' }));
    expect(await screen.findByTestId('incident-detail')).toBeTruthy();
    await act(async () => void fireEvent.keyDown(document, { key: 's' }));
    const menu = screen.getByTestId('snooze-menu');
    await act(async () => void fireEvent.click(within(menu).getByText('1 hour')));
    expect(fake.api.snooze).toHaveBeenCalledWith(2, '1h');
    key('Escape');
    expect(screen.queryByTestId('incident-detail')).toBeNull();
  });

  it('a viewer sees incidents but the actions are off, and saying why; a shortcut explains instead of calling the hub', async () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1)], role: 'viewer', canAct: false }));
    await act(async () => void fireEvent.keyDown(document, { key: 'Enter' }));
    const detail = await screen.findByTestId('incident-detail');
    const ack = within(detail).getByRole('button', { name: /Acknowledge/ }) as HTMLButtonElement;
    expect(ack.disabled).toBe(true);
    expect(ack.title).toBe('Your role (viewer) may only look');
    expect((within(detail).getByRole('button', { name: /Resolve/ }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => void fireEvent.keyDown(document, { key: 'a' }));
    expect(fake.api.ack).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('Could not acknowledge #1: your role (viewer) may only look');
  });

  it('ignores shortcuts while typing in the search box, and / focuses it', () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1)] }));
    key('/');
    const search = screen.getByLabelText('Filter incidents by text');
    expect(document.activeElement).toBe(search);
    fireEvent.keyDown(search, { key: 'a' });
    expect(fake.api.ack).not.toHaveBeenCalled();
    fireEvent.change(search, { target: { value: 'nothing matches this' } });
    expect(screen.getByTestId('list-empty').textContent).toBe('No incidents match this filter.');
  });

  it('shows every connection state, with a countdown while reconnecting, and marks stale data', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1)] }));
    const badge = () => screen.getByTestId('connection').textContent;
    expect(badge()).toMatch(/^Live/);
    act(() => fake.push({ connection: { status: 'reconnecting', attempt: 2, retryAt: 1_000_000 + 5_000, reason: 'connection closed (1006)' }, stale: true }));
    expect(badge()).toMatch(/Reconnecting in 5 s — connection closed \(1006\)/);
    expect(screen.getByRole('note').textContent).toBe('Not live: this list may be out of date.');
    act(() => void vi.advanceTimersByTime(2_000));
    expect(badge()).toMatch(/Reconnecting in 3 s/);
    fireEvent.click(screen.getByText('Retry now'));
    expect(fake.api.reconnect).toHaveBeenCalled();
    act(() => fake.push({ connection: { status: 'connecting', attempt: 3 } }));
    expect(badge()).toMatch(/Connecting \(attempt 4\)/);
    act(() => fake.push({ connection: { status: 'auth-failed', reason: 'unauthorized: a valid token is required' } }));
    expect(badge()).toMatch(/Authentication failed: unauthorized/);
    act(() => fake.push({ connection: { status: 'live', since: 0 }, stale: false }));
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('opens only http(s) links, through the api; other schemes are text', async () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1, { links: [{ href: 'https://grafana.example/d/1', text: 'Dashboard' }, { href: 'javascript:alert(1)', text: 'Evil' }] })] }));
    await act(async () => void fireEvent.keyDown(document, { key: 'Enter' }));
    const detail = await screen.findByTestId('incident-detail');
    fireEvent.click(within(detail).getByRole('button', { name: 'Dashboard' }));
    expect(fake.api.openExternal).toHaveBeenCalledWith('https://grafana.example/d/1');
    expect(within(detail).queryByRole('button', { name: 'Evil' })).toBeNull();
    expect(within(detail).getByText('Evil: javascript:alert(1)').tagName).toBe('SPAN');
    expect(detail.querySelector('a')).toBeNull();
  });

  it('opens the incident main asks for (notification click)', async () => {
    const fake = mount();
    act(() => fake.push({ incidents: [summary(1), summary(2)] }));
    await act(async () => fake.show(1));
    expect((await screen.findByTestId('incident-detail')).getAttribute('aria-label')).toBe('Incident 1');
  });
});

describe('settings (desktop)', () => {
  it('loads, validates before saving, and saves through the api', async () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} desktop />);
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    const panel = await screen.findByTestId('settings');
    fireEvent.click(within(panel).getByLabelText(/A team hub/));
    fireEvent.click(within(panel).getByRole('button', { name: 'Save' }));
    expect(within(panel).getByRole('alert').textContent).toBe('A team hub needs its URL and a token.');
    fireEvent.change(within(panel).getByLabelText('Team hub URL'), { target: { value: 'javascript:alert(1)' } });
    fireEvent.change(within(panel).getByLabelText('Team hub token'), { target: { value: 'remote-token-0123456789' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Save' }));
    expect(within(panel).getByRole('alert').textContent).toMatch(/remoteUrl: must be an http\(s\) URL/);
    expect(fake.api.setSettings).not.toHaveBeenCalled();
    fireEvent.change(within(panel).getByLabelText('Team hub URL'), { target: { value: 'https://hub.example:8725' } });
    await act(async () => void fireEvent.click(within(panel).getByRole('button', { name: 'Save' })));
    expect(fake.api.setSettings).toHaveBeenCalledWith(expect.objectContaining({ hubMode: 'remote', remoteUrl: 'https://hub.example:8725', remoteToken: 'remote-token-0123456789' }));
  });

  it('is not offered in the web console', () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} />);
    expect(screen.queryByRole('button', { name: 'Settings' })).toBeNull();
  });
});

describe('announcement settings (desktop)', () => {
  it('chooses the output device and quiet hours, validated before saving', async () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} desktop />);
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    const panel = await screen.findByTestId('settings');
    fireEvent.change(within(panel).getByLabelText('Play on'), { target: { value: 'device' } });
    fireEvent.change(within(panel).getByLabelText(/Device name/), { target: { value: 'Studio Display' } });
    fireEvent.change(within(panel).getByLabelText('Quiet hours start'), { target: { value: '25:99x' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Save' }));
    expect(within(panel).getByRole('alert').textContent).toMatch(/quietHours\.start/);
    fireEvent.change(within(panel).getByLabelText('Quiet hours start'), { target: { value: '22:30' } });
    await act(async () => void fireEvent.click(within(panel).getByRole('button', { name: 'Save' })));
    expect(fake.api.setSettings).toHaveBeenCalledWith(expect.objectContaining({ audioOutput: { mode: 'device', label: 'Studio Display' }, quietHours: { start: '22:30', end: '07:00' } }));
  });
});
