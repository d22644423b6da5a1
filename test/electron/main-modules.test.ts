import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isTrustedSender, registerInvokeHandlers, type IpcMainLike, type InvokeHandlers, type InvokeEventLike } from '../../electron/main/ipc-handlers';
import { notificationFor } from '../../electron/main/notification-content';
import { SettingsStore } from '../../electron/main/settings-store';
import { newestTriggered, trayState, trayTitle } from '../../shared/incidents/view';
import { invokeContract } from '../../shared/ipc/contract';
import { summary } from '../helpers/fake-api';

const OURS = 'file:///opt/earshot/out/renderer/';

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown) {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  call(channel: string, url: string | null, ...args: unknown[]) {
    const frame = url === null ? null : { url, parent: null };
    return Promise.resolve().then(() => this.handlers.get(channel)?.({ senderFrame: frame }, ...args));
  }
}

function handlers(): InvokeHandlers {
  const ok = vi.fn(async () => undefined);
  return {
    ack: ok,
    resolve: ok,
    snooze: vi.fn(async () => undefined),
    incidentDetail: vi.fn(),
    getHubState: vi.fn(),
    reconnect: vi.fn(async () => undefined),
    openExternal: vi.fn(async () => true),
    getSettings: vi.fn(),
    setSettings: vi.fn(),
  } as unknown as InvokeHandlers;
}

describe('IPC handlers (main)', () => {
  it('registers one handler per contract method', () => {
    const ipc = new FakeIpcMain();
    const off = registerInvokeHandlers(ipc, handlers(), [OURS]);
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.values(invokeContract).map((c) => c.channel).sort());
    off();
    expect(ipc.handlers.size).toBe(0);
  });

  it('refuses calls from other origins, from iframes and from destroyed frames', async () => {
    const ipc = new FakeIpcMain();
    const h = handlers();
    registerInvokeHandlers(ipc, h, [OURS]);
    await expect(ipc.call('incidents:ack', 'https://evil.example/', 1)).rejects.toThrow(/untrusted frame/);
    await expect(ipc.call('incidents:ack', 'file:///tmp/other/index.html', 1)).rejects.toThrow(/untrusted frame/);
    await expect(ipc.call('incidents:ack', null, 1)).rejects.toThrow(/untrusted frame/);
    expect(isTrustedSender({ senderFrame: { url: `${OURS}index.html`, parent: {} } }, [OURS])).toBe(false);
    expect(h.ack).not.toHaveBeenCalled();
  });

  it('validates arguments with the contract, naming the bad one, and passes parsed values on', async () => {
    const ipc = new FakeIpcMain();
    const h = handlers();
    registerInvokeHandlers(ipc, h, [OURS]);
    await expect(ipc.call('incidents:ack', `${OURS}index.html`, -1)).rejects.toThrow(/incidents:ack: invalid arguments: \[0\]: /);
    await expect(ipc.call('incidents:ack', `${OURS}index.html`, 1, 'extra')).rejects.toThrow(/invalid arguments/);
    await expect(ipc.call('settings:set', `${OURS}index.html`, { remoteUrl: 'javascript:alert(1)' })).rejects.toThrow(/\[0\]\.remoteUrl: must be an http\(s\) URL/);
    await ipc.call('incidents:snooze', `${OURS}index.html#/x`, 7, '15m');
    expect(h.snooze).toHaveBeenCalledWith(7, 900_000);
  });
});

describe('settings', () => {
  it('starts from defaults, persists changes, and survives a broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-settings-'));
    const path = join(dir, 'settings.json');
    const a = new SettingsStore(path);
    expect(a.value).toMatchObject({ hubMode: 'embedded', ackShortcut: 'CommandOrControl+Shift+A', notifications: true });
    a.update({ hubMode: 'remote', remoteUrl: 'https://hub.example', remoteToken: 'remote-token-0123456789' });
    expect(new SettingsStore(path).value).toMatchObject({ hubMode: 'remote', remoteUrl: 'https://hub.example' });
    expect(() => a.update({ ackShortcut: '' })).toThrow();
    expect(JSON.parse(readFileSync(path, 'utf8')).ackShortcut).toBe('CommandOrControl+Shift+A');
    writeFileSync(path, '{"hubMode": "sideways"}');
    const warnings: string[] = [];
    expect(new SettingsStore(path, (m) => warnings.push(m)).value.hubMode).toBe('embedded');
    expect(warnings[0]).toMatch(/hubMode: /);
  });
});

describe('tray and notifications', () => {
  it('shows all clear / N triggered (critical distinctly) / all acknowledged / disconnected', () => {
    expect(trayState([], false)).toEqual({ kind: 'disconnected' });
    expect(trayState([summary(1, { status: 'resolved' })], true)).toEqual({ kind: 'clear' });
    expect(trayState([summary(1, { status: 'acknowledged' })], true)).toEqual({ kind: 'acknowledged', count: 1 });
    const busy = trayState([summary(1), summary(2, { severity: 'critical' }), summary(3, { status: 'acknowledged' })], true);
    expect(busy).toEqual({ kind: 'triggered', count: 2, critical: 1 });
    expect(trayTitle(busy)).toBe('Earshot: 2 triggered (1 critical)');
    expect(newestTriggered([summary(1), summary(5), summary(7, { status: 'acknowledged' })])?.id).toBe(5);
  });

  it('notifies for new and re-triggered incidents only, in bounded plain text', () => {
    const incident = summary(42, { severity: 'critical', title: 'Disk almost full on db-1', commonLabels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical' } });
    const event = (type: string, data: unknown) => ({ type: 'event' as const, seq: 1, event: { seq: 1, ts: 'now', incidentId: 42, actor: 'x', type, data } as never, incident });
    expect(notificationFor(event('incident.triggered', {}))).toEqual({ incidentId: 42, title: 'CRITICAL: Disk almost full on db-1', body: '#42 from alertmanager instance=db-1', urgent: true });
    expect(notificationFor(event('incident.retriggered', { reason: 'snooze-expired' }))?.body).toMatch(/^Re-triggered\./);
    expect(notificationFor(event('incident.acknowledged', {}))).toBeNull();
    const long = notificationFor({ ...event('incident.triggered', {}), incident: { ...incident, title: 'x'.repeat(500), commonLabels: { a: 'y'.repeat(500) } } });
    expect(long?.title.length).toBe(120);
    expect(long?.body.length).toBe(240);
  });
});
