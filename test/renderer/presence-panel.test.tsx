// @vitest-environment happy-dom
/**
 * The presence switch: off by default; turning it on goes through a plain consent
 * screen (what is derived, from what, who sees it, how long, how to stop and delete)
 * and only "I agree" asks the hub; delete asks first; presence-only people get the
 * switch and the board and nothing about incidents.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Connected } from '../../renderer/src/app';
import { FakeApi, summary } from '../helpers/fake-api';

afterEach(cleanup);

async function openPresence(fake: FakeApi): Promise<void> {
  render(<Connected api={fake.api} desktop />);
  await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Presence' })));
}

describe('presence panel', () => {
  it('is off by default; the consent screen says what, from what, who, how long, how to stop; only agreeing turns it on', async () => {
    const fake = new FakeApi();
    fake.presence = { ...fake.presence, signals: ['idle', 'lock', 'airpods'] };
    await openPresence(fake);
    expect(screen.getByTestId('presence-status').textContent).toBe('Presence sharing is off. Nobody can see whether you are here.');

    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Share my presence…' })));
    const consent = screen.getByTestId('presence-consent').textContent ?? '';
    expect(consent).toContain('Only one word — present, away or unknown — and since when. Never audio, never your location, never what you type, never raw Bluetooth data.');
    expect(consent).toContain('how long since your last keyboard or mouse input on this computer');
    expect(consent).toContain('whether this computer’s screen is locked or asleep');
    expect(consent).toContain('your own paired AirPods are in your ears (nobody else’s ever count)');
    expect(consent).toContain('Ana, Bo, the hub’s administrators.');
    expect(consent).toContain('The hub keeps each update for 7 days, then deletes it.');
    expect(consent).toContain('“Delete my presence data” removes everything the hub holds about your presence at once.');
    expect(fake.api.setPresenceSharing).not.toHaveBeenCalled(); // reading the screen changes nothing

    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Not now' })));
    expect(fake.api.setPresenceSharing).not.toHaveBeenCalled();
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Share my presence…' })));
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'I agree — share my presence' })));
    expect(fake.api.setPresenceSharing).toHaveBeenCalledWith(true);
    expect(screen.queryByTestId('presence-consent')).toBeNull();

    act(() => fake.pushPresence({ state: 'away', since: Date.UTC(2026, 10, 21, 9, 30), publishedAt: Date.UTC(2026, 10, 21, 9, 31) }));
    expect(screen.getByTestId('presence-status').textContent).toMatch(/^Sharing: you appear as away since .+\. Last sent .+\.$/);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Stop sharing' })));
    expect(fake.api.setPresenceSharing).toHaveBeenLastCalledWith(false);
  });

  it('without the hub’s policy the agree button is disabled (no consent to an unknown audience)', async () => {
    const fake = new FakeApi();
    fake.presence = { ...fake.presence, policy: null };
    await openPresence(fake);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Share my presence…' })));
    expect(screen.getByTestId('presence-consent').textContent).toContain('Could not ask the hub who can see it; connect first.');
    expect((screen.getByRole('button', { name: 'I agree — share my presence' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('"delete my presence data" asks first, then says how much was deleted; errors are shown', async () => {
    const fake = new FakeApi();
    fake.presence = { ...fake.presence, sharing: true, state: 'present', since: Date.now() };
    await openPresence(fake);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Delete my presence data' })));
    expect(fake.api.deletePresenceData).not.toHaveBeenCalled();
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' })));
    expect(fake.api.deletePresenceData).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Deleted 3 presence records; sharing is off.')).toBeTruthy();
    expect(screen.getByTestId('presence-status').textContent).toContain('Presence sharing is off.');

    act(() => fake.pushPresence({ error: 'could not publish presence: not connected to the hub' }));
    expect(screen.getByRole('alert').textContent).toBe('could not publish presence: not connected to the hub');
  });

  it('presence-only: the switch and the team board, no incident list, no speech, no incident shortcuts', async () => {
    const fake = new FakeApi();
    fake.state = { ...fake.state, role: 'presence-only', canAct: false, canRead: false, incidents: [summary(1)] };
    render(<Connected api={fake.api} desktop />);
    expect(screen.getByTestId('presence-only')).toBeTruthy();
    expect(screen.getByTestId('presence-panel')).toBeTruthy();
    expect(screen.getByTestId('team-board')).toBeTruthy();
    expect(screen.queryByLabelText('Incident list')).toBeNull();
    expect(screen.queryByRole('button', { name: /speak|announce/i })).toBeNull();
    await act(async () => void fireEvent.keyDown(document, { key: 'a' }));
    expect(fake.api.ack).not.toHaveBeenCalled();
  });
});
