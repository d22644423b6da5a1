/**
 * Electron main: a thin shell. It starts the hub (embedded, or connects to a
 * team hub), follows it with the shared HubClient, and drives the tray, the
 * windows, notifications and the global shortcut. Decisions live in plain
 * modules tested under Node (ipc-handlers, notification-content, settings-store,
 * shared/incidents/view).
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, globalShortcut, ipcMain, Menu, nativeImage, Notification, powerMonitor, screen, session, shell, systemPreferences, Tray } from 'electron';
import WebSocket from 'ws';
import { HubClient, type SocketLike } from '../../shared/hub-client/hub-client';
import { incidentDetailSchema } from '../../shared/incidents/types';
import { runbookViewSchema } from '../../shared/runbooks/view';
import { newestTriggered, trayState, trayTitle, type TrayState } from '../../shared/incidents/view';
import { EMPTY_HUB_STATE, isSafeExternalUrl, pushContract, toHubState, type HubState } from '../../shared/ipc/contract';
import { parseHubConfig } from '../hub/config';
import { startHub, type RunningHub } from '../hub/index';
import { Announcer } from '../../shared/announce/announcer';
import { SpeechEngine } from '../speech/engine';
import { systemClock } from '../cli/say-command';
import { createDoNotDisturbReader } from './do-not-disturb';
import { AirPodsTracker } from '../../shared/airpods/tracker';
import { toAudioMetrics } from '../../shared/airpods/view';
import { hostname } from 'node:os';
import { AirPodsScanner, loadNoble, toAirPodsView } from '../airpods/scanner';
import { TelemetryCollector, TelemetryHistory } from '../telemetry/collector';
import { deviceIdFor, toHubSamples } from '../../shared/telemetry/local';
import { boardSchema } from '../../shared/board';
import { registerInvokeHandlers } from './ipc-handlers';
import { RendererSpeaker } from './renderer-speaker';
import { notificationFor } from './notification-content';
import { SettingsStore } from './settings-store';
import { createPresenceSignals } from './presence-signals';
import { httpPresenceHub, PresenceReporter } from '../../shared/presence/reporter';
import { actOnIncident, runVoiceCommand } from '../../shared/voice/act';

const RENDERER_DIR = join(__dirname, '../renderer');
const RESOURCES = app.isPackaged ? process.resourcesPath : join(__dirname, '../../resources');
// Only our own renderer may call main: the built files, or the dev server in development.
const TRUSTED_PREFIXES = [pathToFileURL(RENDERER_DIR).href + '/', ...(process.env['ELECTRON_RENDERER_URL'] ? [process.env['ELECTRON_RENDERER_URL']] : [])];
const actor = (): string => userInfo().username || 'desktop';

let hub: RunningHub | undefined;
let client: HubClient | undefined;
let tray: Tray | undefined;
let popover: BrowserWindow | undefined;
let mainWindow: BrowserWindow | undefined;
const windows = new Set<BrowserWindow>();
/** The hub the client follows, for HTTP calls made on the renderer's behalf (incident detail). */
let currentHub: { url: string; token: string } | undefined;
let announcer: Announcer | undefined;
let rendererSpeaker: RendererSpeaker | undefined;
const doNotDisturb = createDoNotDisturbReader(process.platform);
let airpods: AirPodsScanner | undefined;
const telemetryHistory = new TelemetryHistory();
let presence: PresenceReporter | undefined;

/**
 * Presence from this machine's idle time, screen lock and my AirPods, read every 5 s;
 * shared with the hub only while the person has agreed to (the reporter enforces it).
 */
function startPresence(settings: SettingsStore): PresenceReporter {
  const device = deviceIdFor(hostname());
  const reporter = new PresenceReporter({
    read: createPresenceSignals(
      powerMonitor,
      () => (airpods ? toAirPodsView(airpods.status()) : undefined),
      () => presence?.tick(),
    ),
    signals: () => ['idle', 'lock', ...(settings.value.airpods ? (['airpods'] as const) : [])],
    thresholds: settings.value.presence,
    sharing: settings.value.sharePresence,
    saveSharing: (on) => settings.update({ sharePresence: on }, true),
    hub: () => {
      const c = client;
      if (!c || !currentHub || c.snapshot.connection.status !== 'live') return null;
      return httpPresenceHub(currentHub.url, currentHub.token, fetch, (p) => c.publish(device, { kind: 'device_presence', ...p }));
    },
  });
  reporter.onChange((view) => broadcast(pushContract.onPresence.channel, view));
  setInterval(() => reporter.tick(), 5_000).unref();
  reporter.tick();
  return reporter;
}

/** This machine's telemetry at 1 Hz: to the windows, into an hour of history, and (when enabled) to the hub. */
function startTelemetry(settings: SettingsStore): void {
  const collector = new TelemetryCollector();
  let busy = false;
  const device = deviceIdFor(hostname());
  setInterval(() => {
    if (busy) return; // a slow sample is skipped, never queued
    busy = true;
    void collector
      .collect()
      .then((sample) => {
        const pods = airpods ? toAirPodsView(airpods.status()) : undefined;
        if (pods?.state === 'tracking') {
          for (const part of ['left', 'right', 'case'] as const) {
            const b = pods[part]?.battery;
            if (b !== null && b !== undefined) sample.metrics[`airpods.${part}`] = b;
          }
        }
        telemetryHistory.push(sample);
        broadcast(pushContract.onTelemetry.channel, sample);
        if (settings.value.shareTelemetry && client?.snapshot.connection.status === 'live') {
          const samples = toHubSamples(sample);
          if (samples.length) client.publish(device, { kind: 'device_telemetry', samples }).catch(() => undefined);
        }
      })
      .catch((err: unknown) => console.warn('telemetry sample failed:', (err as Error).message))
      .finally(() => (busy = false));
  }, 1_000).unref();
}

/** Starts scanning (noble loads lazily; without Bluetooth the panel says why) and pushes status at most once a second. */
function startAirPods(settings: SettingsStore): AirPodsScanner {
  const scanner = new AirPodsScanner(loadNoble(), { tracker: new AirPodsTracker({}, settings.value.airpods ?? undefined) });
  let lastPush = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastShared = { at: 0, json: '' };
  const push = () => {
    timer = undefined;
    lastPush = Date.now();
    const view = toAirPodsView(scanner.status());
    broadcast(pushContract.onAirPods.channel, view);
    // Shared with the hub only when the user turned it on: on change, else every 15 s.
    const metrics = settings.value.shareAirPods ? toAudioMetrics(view) : null;
    if (!metrics || client?.snapshot.connection.status !== 'live') return;
    const json = JSON.stringify({ ...metrics, lastSeen: undefined });
    if (json === lastShared.json && Date.now() - lastShared.at < 15_000) return;
    lastShared = { at: Date.now(), json };
    const device = deviceIdFor(hostname());
    client.publish(device, { kind: 'audio_metrics', data: metrics }).catch((err: unknown) => console.warn('could not share AirPods status:', (err as Error).message));
  };
  scanner.onStatus(() => {
    if (timer) return;
    timer = setTimeout(push, Math.max(0, 1_000 - (Date.now() - lastPush)));
  });
  setInterval(push, 5_000).unref(); // silence is news too (expiry)
  scanner.start();
  return scanner;
}

/** The one window that plays announcements (the popover, kept alive hidden), so nothing plays twice. */
function playerWindow(): BrowserWindow | undefined {
  return popover && !popover.isDestroyed() ? popover : mainWindow;
}

function startAnnouncer(settings: SettingsStore, hubClient: HubClient): void {
  announcer?.stop();
  announcer = undefined;
  const s = settings.value;
  let engine: SpeechEngine;
  try {
    engine = SpeechEngine.detect(s.speechBackend, { voice: s.speechVoice, rate: s.speechRate });
  } catch (err) {
    console.warn(`announcements are off: ${(err as Error).message}`);
    return;
  }
  rendererSpeaker = new RendererSpeaker(engine, {
    announce: (a) => {
      const win = playerWindow();
      if (!win || win.webContents.isLoading()) return false;
      win.webContents.send(pushContract.onAnnounce.channel, a);
      return true;
    },
    stop: (id) => playerWindow()?.webContents.send(pushContract.onStopAnnouncement.channel, id),
  });
  const a = new Announcer(rendererSpeaker, systemClock, announcerSettings(s), doNotDisturb);
  a.onError((err) => console.warn('announcement failed:', (err as Error).message));
  a.seed(hubClient.snapshot.incidents.values());
  announcer = a;
}

function announcerSettings(s: SettingsStore['value']) {
  return { paused: s.announcementsPaused, quietHours: s.quietHours, alwaysSpeak: s.alwaysSpeak, repeatIntervalMs: s.repeatInterval };
}

function hubState(): HubState {
  return client ? toHubState(client.snapshot) : EMPTY_HUB_STATE;
}

function broadcast(channel: string, payload: unknown): void {
  for (const w of windows) if (!w.isDestroyed()) w.webContents.send(channel, payload);
}

function createWindow(kind: 'popover' | 'main'): BrowserWindow {
  const win = new BrowserWindow({
    width: kind === 'popover' ? 420 : 1100,
    height: kind === 'popover' ? 560 : 760,
    show: false,
    frame: kind === 'main',
    resizable: kind === 'main',
    skipTaskbar: kind === 'popover',
    title: 'Earshot',
    icon: join(RESOURCES, 'icon.png'),
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.on('page-title-updated', (event) => event.preventDefault());
  if (kind === 'popover') win.on('blur', () => win.hide());
  if (process.env['ELECTRON_RENDERER_URL']) void win.loadURL(process.env['ELECTRON_RENDERER_URL']);
  else void win.loadFile(join(RENDERER_DIR, 'index.html'));
  return win;
}

function showMain(incidentId?: number): void {
  if (!mainWindow) {
    mainWindow = createWindow('main');
    mainWindow.on('closed', () => (mainWindow = undefined));
  }
  const win = mainWindow;
  const reveal = () => {
    win.show();
    win.focus();
    if (incidentId !== undefined) win.webContents.send(pushContract.onShowIncident.channel, incidentId);
  };
  if (win.webContents.isLoading()) win.webContents.once('did-finish-load', reveal);
  else reveal();
}

function togglePopover(): void {
  popover ??= createWindow('popover');
  if (popover.isVisible()) {
    popover.hide();
    return;
  }
  const bounds = tray?.getBounds();
  if (bounds) {
    const display = screen.getDisplayNearestPoint({ x: bounds.x, y: bounds.y }).workArea;
    const [w] = popover.getSize();
    const x = Math.min(Math.max(display.x, Math.round(bounds.x + bounds.width / 2 - (w ?? 420) / 2)), display.x + display.width - (w ?? 420));
    const y = bounds.y < display.y + display.height / 2 ? bounds.y + bounds.height : bounds.y - popover.getSize()[1]!;
    popover.setPosition(x, y);
  }
  popover.show();
  popover.focus();
}

async function ackNewest(): Promise<void> {
  const newest = newestTriggered(client?.snapshot.incidents.values() ?? []);
  if (!newest || !client) return;
  await client.command({ action: 'ack', incidentId: newest.id, actor: actor() }).catch((err: unknown) => console.error('acknowledge failed', err));
}

function trayIcon(state: TrayState): Electron.NativeImage {
  const name = state.kind === 'triggered' ? (state.critical > 0 ? 'critical' : 'triggered') : state.kind;
  return nativeImage.createFromPath(join(RESOURCES, 'tray', `${name}.png`));
}

function updateTray(settings: SettingsStore): void {
  if (!tray) return;
  const s = hubState();
  const state = trayState(s.incidents, s.connection.status === 'live');
  tray.setImage(trayIcon(state));
  tray.setToolTip(trayTitle(state));
  // The window title mirrors the tray, for the taskbar (and for tests, which cannot see a tray).
  mainWindow?.setTitle(trayTitle(state));
  if (process.platform === 'darwin') tray.setTitle(state.kind === 'triggered' ? String(state.count) : '');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Earshot', click: () => showMain() },
      { label: 'Acknowledge newest', enabled: state.kind === 'triggered', click: () => void ackNewest() },
      {
        label: 'Pause announcements',
        type: 'checkbox',
        checked: settings.value.announcementsPaused,
        click: (item) => settings.update({ announcementsPaused: item.checked }),
      },
      { type: 'separator' },
      { label: 'Quit', role: 'quit' },
    ]),
  );
}

async function connect(settings: SettingsStore): Promise<void> {
  client?.stop();
  await hub?.close();
  hub = undefined;
  let url: string;
  let token: string;
  const s = settings.value;
  if (s.hubMode === 'remote' && s.remoteUrl && s.remoteToken) {
    url = s.remoteUrl;
    token = s.remoteToken;
  } else {
    hub = await startHub(parseHubConfig({ port: 0, hosts: ['127.0.0.1'], dataDir: join(app.getPath('userData'), 'hub') }));
    url = hub.url;
    token = hub.generatedToken ?? hub.config.tokens[0]?.token ?? '';
    process.stdout.write(`Earshot hub listening on ${url}\n`);
  }
  const hubClient = new HubClient({ url, token, client: 'earshot-desktop', socket: (u) => new WebSocket(u) as unknown as SocketLike });
  client = hubClient;
  hubClient.subscribe(() => {
    broadcast(pushContract.onHubState.channel, hubState());
    updateTray(settings);
  });
  let seeded = false;
  let wasLive = false;
  hubClient.subscribe((snap) => {
    const live = snap.connection.status === 'live';
    if (live && !wasLive) presence?.connected(); // publish the current state, fetch the policy
    wasLive = live;
    announcer?.routeTo(snap.routedAs);
    if (!seeded && snap.connection.status === 'live') {
      seeded = true;
      announcer?.seed(snap.incidents.values()); // open when we connected: not news
    }
  });
  startAnnouncer(settings, hubClient);
  hubClient.onStep((m) => broadcast(pushContract.onStepOutput.channel, m));
  hubClient.onEvent((message) => {
    if (settings.value.speak) announcer?.onEvent(message);
    const content = notificationFor(message);
    if (!content || !settings.value.notifications || !Notification.isSupported()) return;
    const n = new Notification({
      title: content.title,
      body: content.body,
      urgency: content.urgent ? 'critical' : 'normal',
      actions: [{ type: 'button', text: 'Acknowledge' }], // shown where the platform supports actions (macOS)
    });
    n.on('action', () => void hubClient.command({ action: 'ack', incidentId: content.incidentId, actor: actor() }).catch(() => undefined));
    n.on('click', () => showMain(content.incidentId));
    n.show();
  });
  hubClient.start();
  currentHub = { url, token };
}

function registerShortcuts(s: SettingsStore['value']): void {
  globalShortcut.unregisterAll();
  const register = (accelerator: string, what: string, run: () => void) => {
    try {
      if (!globalShortcut.register(accelerator, run)) console.warn(`could not register the ${what} shortcut ${accelerator} (taken by another app?)`);
    } catch (err) {
      console.warn(`invalid ${what} shortcut ${accelerator}: ${(err as Error).message}`);
    }
  };
  register(s.ackShortcut, 'acknowledge', () => void ackNewest());
  // Global keys have no key-up, so from outside the app this starts one listening window (the page's V is hold-to-talk).
  if (s.voiceCommands) register(s.voiceShortcut, 'voice', () => playerWindow()?.webContents.send(pushContract.onListenNow.channel, null));
}

function lockDown(): void {
  // The only permission the app ever grants: the microphone (audio only) to our own renderer, for
  // voice commands; on macOS the system asks the person first (the explanation is in the Voice panel).
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const url = 'requestingUrl' in details ? details.requestingUrl : '';
    const audioOnly = permission === 'media' && 'mediaTypes' in details && (details.mediaTypes ?? []).every((t) => t === 'audio');
    if (!audioOnly || !TRUSTED_PREFIXES.some((p) => url.startsWith(p))) return callback(false);
    if (process.platform === 'darwin') void systemPreferences.askForMediaAccess('microphone').then(callback, () => callback(false));
    else callback(true);
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  const settings = new SettingsStore(join(app.getPath('userData'), 'settings.json'));
  lockDown();
  registerInvokeHandlers(
    ipcMain,
    {
      ack: (id) => (client ? client.command({ action: 'ack', incidentId: id, actor: actor() }) : Promise.reject(new Error('not connected'))),
      resolve: (id) => (client ? client.command({ action: 'resolve', incidentId: id, actor: actor() }) : Promise.reject(new Error('not connected'))),
      snooze: (id, duration) => (client ? client.command({ action: 'snooze', incidentId: id, actor: actor(), duration }) : Promise.reject(new Error('not connected'))),
      incidentDetail: async (id) => {
        if (!currentHub) throw new Error('not connected');
        const res = await fetch(`${currentHub.url}/api/v1/incidents/${id}`, { headers: { authorization: `Bearer ${currentHub.token}` } });
        if (!res.ok) throw new Error(`the hub answered ${res.status} for incident ${id}`);
        return incidentDetailSchema.parse(((await res.json()) as { incident: unknown }).incident);
      },
      getHubState: () => Promise.resolve(hubState()),
      reconnect: () => Promise.resolve(client?.reconnectNow()),
      openExternal: async (url) => {
        if (!isSafeExternalUrl(url)) return false;
        await shell.openExternal(url);
        return true;
      },
      getSettings: () => Promise.resolve(settings.value),
      setSettings: (patch) => Promise.resolve(settings.update(patch)),
      announcementEnded: (id, outcome) => Promise.resolve(rendererSpeaker?.ended(id, outcome)),
      incidentRunbooks: async (id) => {
        if (!currentHub) throw new Error('not connected');
        const res = await fetch(`${currentHub.url}/api/v1/incidents/${id}/runbooks`, { headers: { authorization: `Bearer ${currentHub.token}` } });
        if (!res.ok) throw new Error(`the hub answered ${res.status} for the runbooks of incident ${id}`);
        return runbookViewSchema.array().parse(((await res.json()) as { runbooks: unknown }).runbooks);
      },
      runStep: (id, runbook, step) => (client ? client.runStep(id, runbook, step, actor()) : Promise.reject(new Error('not connected'))),
      getBoard: async () => {
        if (!currentHub) throw new Error('not connected');
        const res = await fetch(`${currentHub.url}/api/v1/board`, { headers: { authorization: `Bearer ${currentHub.token}` } });
        if (!res.ok) throw new Error(`the hub answered ${res.status} for the team board`);
        return boardSchema.parse(await res.json());
      },
      getTelemetry: () => Promise.resolve(telemetryHistory.snapshot()),
      getAirPods: () => Promise.resolve(airpods ? toAirPodsView(airpods.status()) : { bluetooth: 'starting' as const, state: 'unpaired' as const, nearby: [] }),
      pairAirPods: async (address) => {
        if (!airpods) throw new Error('Bluetooth is not running');
        settings.update({ airpods: airpods.tracker.pair(address) });
        return toAirPodsView(airpods.status());
      },
      forgetAirPods: async () => {
        airpods?.tracker.forget();
        settings.update({ airpods: null });
        return airpods ? toAirPodsView(airpods.status()) : { bluetooth: 'starting' as const, state: 'unpaired' as const, nearby: [] };
      },
      getPresence: () => (presence ? presence.current() : Promise.reject(new Error('presence is starting'))),
      setPresenceSharing: (on) => (presence ? presence.setSharing(on) : Promise.reject(new Error('presence is starting'))),
      deletePresenceData: () => (presence ? presence.deleteMyData() : Promise.reject(new Error('presence is starting'))),
      voiceCommand: (action, id) => {
        if (!client) return Promise.reject(new Error('not connected'));
        const c = client;
        return runVoiceCommand(action, id, { command: (cmd) => c.command(cmd), announcer, actor: actor() });
      },
      mediaKey: (action, id) => {
        if (!client) return Promise.reject(new Error('not connected'));
        const c = client;
        return actOnIncident(action, id, { command: (cmd) => c.command(cmd), announcer, actor: actor() });
      },
    },
    TRUSTED_PREFIXES,
  );
  settings.onChange((next, previous) => {
    if (next.ackShortcut !== previous.ackShortcut || next.voiceShortcut !== previous.voiceShortcut || next.voiceCommands !== previous.voiceCommands) registerShortcuts(next);
    if (JSON.stringify(next.presence) !== JSON.stringify(previous.presence)) presence?.setThresholds(next.presence);
    announcer?.updateSettings(announcerSettings(next));
    if (!next.speak) rendererSpeaker?.stop();
    if (client && (next.speechBackend !== previous.speechBackend || next.speechVoice !== previous.speechVoice || next.speechRate !== previous.speechRate)) startAnnouncer(settings, client);
    if (next.hubMode !== previous.hubMode || next.remoteUrl !== previous.remoteUrl || next.remoteToken !== previous.remoteToken) void connect(settings);
    updateTray(settings);
  });

  popover = createWindow('popover'); // hidden until the tray is clicked; it also plays announcements
  tray = new Tray(trayIcon({ kind: 'disconnected' }));
  tray.on('click', togglePopover);
  updateTray(settings);
  registerShortcuts(settings.value);
  airpods = startAirPods(settings);
  startTelemetry(settings);
  presence = startPresence(settings);
  await connect(settings);
  if (process.platform === 'darwin') app.dock?.hide();
  else showMain(); // no menubar convention elsewhere: show the window too
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showMain());
  app.on('window-all-closed', () => {
    // A menubar app keeps running without windows; quit from the tray.
  });
  app.on('will-quit', () => {
    globalShortcut.unregisterAll();
    announcer?.stop();
    airpods?.stop();
    client?.stop();
    void hub?.close();
  });
  main().catch((err: unknown) => {
    console.error(err);
    app.exit(1);
  });
}
