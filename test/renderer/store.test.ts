import { describe, expect, it } from 'vitest';
import { createEarshotStore, selectCounts, selectVisible } from '../../renderer/src/store/store';
import { FakeApi, summary } from '../helpers/fake-api';

function setup() {
  const fake = new FakeApi();
  const store = createEarshotStore(fake.api);
  fake.api.onHubState((s) => store.getState().applyHubState(s));
  return { fake, store };
}

describe('incident list store', () => {
  it('orders triggered first, then by severity, then newest', () => {
    const { fake, store } = setup();
    fake.push({
      incidents: [
        summary(1, { severity: 'critical', status: 'acknowledged' }),
        summary(2, { severity: 'warning' }),
        summary(3, { severity: 'critical' }),
        summary(4, { severity: 'warning' }),
        summary(5, { severity: 'info', status: 'resolved' }),
      ],
    });
    store.getState().setStatusFilter('all');
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([3, 4, 2, 1, 5]);
    expect(selectCounts(store.getState())).toEqual({ triggered: 3, acknowledged: 1, resolved: 1 });
  });

  it('filters by state ("open" by default) and by text over title, id and labels', () => {
    const { fake, store } = setup();
    fake.push({
      incidents: [
        summary(1, { title: 'Disk full on db-1', commonLabels: { team: 'storage' } }),
        summary(2, { title: 'Latency high', status: 'resolved' }),
        summary(3, { title: 'CPU hot', status: 'acknowledged', commonLabels: { team: 'compute' } }),
      ],
    });
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([1, 3]);
    store.getState().setStatusFilter('resolved');
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([2]);
    store.getState().setStatusFilter('all');
    store.getState().setText('team=storage');
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([1]);
    store.getState().setText('#3');
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([3]);
    store.getState().setText('LATENCY');
    expect(selectVisible(store.getState()).map((i) => i.id)).toEqual([2]);
    expect(store.getState().selectedId).toBe(2);
  });

  it('moves the selection within the visible list and acts on the selected incident', async () => {
    const { fake, store } = setup();
    fake.push({ incidents: [summary(1), summary(2), summary(3)] });
    expect(store.getState().selectedId).toBe(3); // newest first
    store.getState().moveSelection(1);
    store.getState().moveSelection(1);
    store.getState().moveSelection(1);
    expect(store.getState().selectedId).toBe(1);
    store.getState().moveSelection(-1);
    await store.getState().ack();
    expect(fake.api.ack).toHaveBeenCalledWith(2);
    await store.getState().snooze('15m');
    expect(fake.api.snooze).toHaveBeenCalledWith(2, '15m');
    expect(store.getState().notice).toEqual({ kind: 'info', text: 'Snoozed #2' });
  });

  it('reports a failed action with the hub\'s reason', async () => {
    const { fake, store } = setup();
    fake.push({ incidents: [summary(1)] });
    (fake.api.resolve as unknown as { mockRejectedValueOnce(e: Error): void }).mockRejectedValueOnce(new Error('not connected to the hub'));
    await store.getState().resolve();
    expect(store.getState().notice).toEqual({ kind: 'error', text: 'Could not resolve #1: not connected to the hub' });
  });

  it('keeps an open incident in view when it resolves and drops out of the filter', () => {
    const { fake, store } = setup();
    fake.push({ incidents: [summary(1), summary(2)] });
    store.getState().openDetail(1);
    fake.push({ incidents: [summary(1, { status: 'resolved', lastSeq: 9 }), summary(2)] });
    expect(store.getState().selectedId).toBe(1);
    store.getState().closeDetail();
    fake.push({ incidents: [summary(1, { status: 'resolved', lastSeq: 10 }), summary(2)] });
    expect(store.getState().selectedId).toBe(2);
  });
});
