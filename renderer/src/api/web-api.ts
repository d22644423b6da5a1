/**
 * The web console's implementation of the EarshotApi contract: the same methods
 * the Electron preload exposes, done over the hub's stream and HTTP API from the
 * page's own origin. Announcements run here too: the shared Announcer decides
 * what to say, the hub synthesises it (POST /api/v1/speech), the page plays it.
 */
import { Announcer, type AnnouncerClock, type Speaker, type Utterance } from '../../../shared/announce/announcer';
import { HubClient, type SocketLike } from '../../../shared/hub-client/hub-client';
import { incidentDetailSchema } from '../../../shared/incidents/types';
import { NO_AIRPODS } from '../../../shared/airpods/view';
import { runbookViewSchema } from '../../../shared/runbooks/view';
import { boardSchema } from '../../../shared/board';
import { httpPresenceHub, PresenceReporter, type PresenceView } from '../../../shared/presence/reporter';
import { createPageSignals } from '../presence/page-signals';
import { actOnIncident, runVoiceCommand } from '../../../shared/voice/act';
import { isSafeExternalUrl, settingsSchema, toHubState, type Announcement, type EarshotApi, type Settings } from '../../../shared/ipc/contract';

export const TOKEN_KEY = 'earshot.token';
const SPEAK_KEY = 'earshot.speak';
const VOICE_KEY = 'earshot.voice';


const browserClock: AnnouncerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  localMinutes: (ms) => {
    const d = new Date(ms);
    return d.getHours() * 60 + d.getMinutes();
  },
};

/** Asks the hub to synthesise each utterance and hands the audio to the page's player. */
class HubSpeechSpeaker implements Speaker {
  readonly listeners = new Set<(a: Announcement) => void>();
  readonly stopListeners = new Set<(id: number) => void>();
  private waiting = new Map<number, () => void>();
  private current: number | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async speak(u: Utterance): Promise<void> {
    if (this.listeners.size === 0) return; // no player on this page
    const res = await fetch(`${this.baseUrl}/api/v1/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: u.text }),
    });
    if (!res.ok) throw new Error(`the hub could not synthesise speech (${res.status})`);
    const audio = new Uint8Array(await res.arrayBuffer());
    this.current = u.id;
    const done = new Promise<void>((resolve) => this.waiting.set(u.id, resolve));
    const announcement: Announcement = { utteranceId: u.id, kind: u.kind, text: u.text, severity: u.severity, audio, ...(u.incidentId ? { incidentId: u.incidentId } : {}) };
    for (const l of this.listeners) l(announcement);
    await done;
  }

  stop(): void {
    if (this.current === undefined) return;
    for (const l of this.stopListeners) l(this.current);
    this.ended(this.current);
  }

  ended(id: number): void {
    this.waiting.get(id)?.();
    this.waiting.delete(id);
    if (this.current === id) this.current = undefined;
  }
}

export function createWebApi(baseUrl: string, token: string): EarshotApi & { client: HubClient; dispose: () => void } {
  const client = new HubClient({
    url: baseUrl,
    token,
    client: 'web-console',
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  // Speech in a browser tab is opt-in (and needs the page to have been interacted with to play).
  let settings: Settings = settingsSchema.parse({ speak: sessionStorage.getItem(SPEAK_KEY) === 'on', voiceCommands: localStorage.getItem(VOICE_KEY) === 'on' });
  const speaker = new HubSpeechSpeaker(baseUrl, token);
  const announcer = new Announcer(speaker, browserClock, announcerSettings(settings));
  announcer.onError((err) => console.warn('announcement failed:', (err as Error).message));
  let seeded = false;
  client.subscribe((s) => {
    announcer.routeTo(s.routedAs);
    if (!seeded && s.connection.status === 'live') {
      seeded = true;
      announcer.seed(s.incidents.values()); // what was already open is not news
    }
  });
  client.onEvent((e) => {
    if (settings.speak) announcer.onEvent(e);
  });
  const showIncidentListeners = new Set<(id: number) => void>();

  // Presence from this page's own signals, shared only after consent (remembered per browser and person).
  const sharingKey = `earshot.presence.${token.slice(-8)}`;
  const page = createPageSignals();
  const presence = new PresenceReporter({
    read: page.read,
    signals: () => ['page'],
    thresholds: settings.presence,
    sharing: localStorage.getItem(sharingKey) === 'on',
    saveSharing: (on) => localStorage.setItem(sharingKey, on ? 'on' : 'off'),
    hub: () =>
      client.snapshot.connection.status === 'live'
        ? httpPresenceHub(baseUrl, token, (u, init) => fetch(u, init), (p) => client.publish('web-console', { kind: 'device_presence', ...p }))
        : null,
  });
  const presenceListeners = new Set<(v: PresenceView) => void>();
  presence.onChange((v) => presenceListeners.forEach((l) => l(v)));
  let wasLive = false;
  client.subscribe((s) => {
    const live = s.connection.status === 'live';
    if (live && !wasLive) presence.connected();
    wasLive = live;
  });
  const presenceTimer = setInterval(() => presence.tick(), 5_000);
  client.start();

  const actorOf = () => sessionStorage.getItem('earshot.actor') || 'web-console';

  return {
    client,
    /** Signed out: stop the stream, presence and the page listeners. */
    dispose: () => {
      clearInterval(presenceTimer);
      page.dispose();
      announcer.stop();
      client.stop();
    },
    ack: (id) => client.command({ action: 'ack', incidentId: id, actor: actorOf() }),
    resolve: (id) => client.command({ action: 'resolve', incidentId: id, actor: actorOf() }),
    snooze: (id, duration) => client.command({ action: 'snooze', incidentId: id, actor: actorOf(), duration }),
    incidentDetail: async (id) => {
      const res = await fetch(`${baseUrl}/api/v1/incidents/${id}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`the hub answered ${res.status} for incident ${id}`);
      const body = (await res.json()) as { incident: unknown };
      return incidentDetailSchema.parse(body.incident);
    },
    getHubState: () => Promise.resolve(toHubState(client.snapshot)),
    reconnect: () => {
      client.reconnectNow();
      return Promise.resolve();
    },
    openExternal: (url) => {
      if (!isSafeExternalUrl(url)) return Promise.resolve(false);
      window.open(url, '_blank', 'noopener,noreferrer');
      return Promise.resolve(true);
    },
    getSettings: () => Promise.resolve(settings),
    setSettings: (patch) => {
      settings = settingsSchema.parse({ ...settings, ...patch });
      sessionStorage.setItem(SPEAK_KEY, settings.speak ? 'on' : 'off');
      localStorage.setItem(VOICE_KEY, settings.voiceCommands ? 'on' : 'off');
      announcer.updateSettings(announcerSettings(settings));
      if (!settings.speak) speaker.stop();
      return Promise.resolve(settings);
    },
    announcementEnded: (id) => {
      speaker.ended(id);
      return Promise.resolve();
    },
    voiceCommand: (action, id) => runVoiceCommand(action, id, { command: (c) => client.command(c), announcer, actor: actorOf() }),
    mediaKey: (action, id) => actOnIncident(action, id, { command: (c) => client.command(c), announcer, actor: actorOf() }),
    incidentRunbooks: async (id) => {
      const res = await fetch(`${baseUrl}/api/v1/incidents/${id}/runbooks`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`the hub answered ${res.status} for the runbooks of incident ${id}`);
      return runbookViewSchema.array().parse(((await res.json()) as { runbooks: unknown }).runbooks);
    },
    runStep: (id, runbook, step) => client.runStep(id, runbook, step, actorOf()),
    getBoard: async () => {
      const res = await fetch(`${baseUrl}/api/v1/board`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`the hub answered ${res.status} for the team board`);
      return boardSchema.parse(await res.json());
    },
    onStepOutput: (listener) => client.onStep(listener),
    // A browser has no view of the machine: local telemetry is in the desktop app.
    getTelemetry: () => Promise.resolve({ ts: [], metrics: {} }),
    onTelemetry: () => () => undefined,
    // A browser cannot scan Bluetooth: the desktop app shows AirPods.
    getAirPods: () => Promise.resolve(NO_AIRPODS),
    pairAirPods: () => Promise.reject(new Error('AirPods pairing happens in the desktop app')),
    forgetAirPods: () => Promise.resolve(NO_AIRPODS),
    onAirPods: () => () => undefined,
    getPresence: () => presence.current(),
    setPresenceSharing: (on) => presence.setSharing(on),
    deletePresenceData: () => presence.deleteMyData(),
    // A browser tab has no global shortcut: the page's own V key is push-to-talk.
    onListenNow: () => () => undefined,
    onPresence: (listener) => {
      presenceListeners.add(listener);
      return () => presenceListeners.delete(listener);
    },
    onHubState: (listener) => client.subscribe((s) => listener(toHubState(s))),
    onShowIncident: (listener) => {
      showIncidentListeners.add(listener);
      return () => showIncidentListeners.delete(listener);
    },
    onAnnounce: (listener) => {
      speaker.listeners.add(listener);
      return () => speaker.listeners.delete(listener);
    },
    onStopAnnouncement: (listener) => {
      speaker.stopListeners.add(listener);
      return () => speaker.stopListeners.delete(listener);
    },
  };
}

function announcerSettings(s: Settings) {
  return { paused: s.announcementsPaused, quietHours: s.quietHours, alwaysSpeak: s.alwaysSpeak, repeatIntervalMs: s.repeatInterval };
}
