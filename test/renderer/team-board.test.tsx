// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Connected } from '../../renderer/src/app';
import { FakeApi } from '../helpers/fake-api';

afterEach(cleanup);

describe('team board', () => {
  it('shows who is on call now and next, presence for those who share it, and open incidents by owner', async () => {
    const fake = new FakeApi();
    fake.board = {
      teams: [{ id: 'db', onCall: 'ana', next: 'bo', handoverAt: '2026-11-23T09:00:00Z' }],
      people: [
        { id: 'ana', name: 'Ana Ortiz', presence: { state: 'away', since: '2026-11-21T09:30:00Z' } },
        { id: 'bo', name: 'Bo Lind', presence: null },
      ],
      openByOwner: [
        { owner: 'bo', incidents: [{ id: 7, title: 'Replication lag', severity: 'critical', status: 'triggered' }] },
        { owner: 'unassigned', incidents: [{ id: 8, title: '<img src=x onerror=alert(1)>', severity: 'warning', status: 'triggered' }] },
      ],
    };
    render(<Connected api={fake.api} />); // the web console too: the board is not desktop-only
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Team' })));
    expect(screen.getByTestId('team-db').textContent).toMatch(/^db: on call Ana Ortiz, next Bo Lind from /);
    expect(screen.getByTestId('person-ana').textContent).toMatch(/^Ana Ortizaway since /);
    expect(screen.getByTestId('person-bo').textContent).toBe('Bo Lindnot shared');
    expect(screen.getByTestId('owner-bo').textContent).toContain('#7 Replication lag (critical, triggered)');
    const unassigned = screen.getByTestId('owner-unassigned');
    expect(unassigned.textContent).toContain('#8 <img src=x onerror=alert(1)>'); // alert text is text, never markup
    expect(unassigned.querySelector('img')).toBeNull();
  });

  it('for a presence-only person: no incidents section; a failing hub says why', async () => {
    const fake = new FakeApi();
    fake.board = { teams: [], people: [{ id: 'fay', name: 'Fay', presence: { state: 'present', since: '2026-11-21T09:00:00Z' } }], openByOwner: null };
    render(<Connected api={fake.api} />);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Team' })));
    expect(screen.getByTestId('team-board').textContent).toContain('No on-call rotations are configured on this hub.');
    expect(screen.queryByText('Open incidents by owner')).toBeNull();
    cleanup();
    const failing = new FakeApi();
    failing.api.getBoard = () => Promise.reject(new Error('the hub answered 403 for the team board'));
    render(<Connected api={failing.api} />);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Team' })));
    expect(screen.getByRole('alert').textContent).toBe('Could not load the team board: the hub answered 403 for the team board');
  });
});
