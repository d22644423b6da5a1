/**
 * The web console's implementation of the EarshotApi contract: the same methods
 * the Electron preload exposes, done over the hub's stream and HTTP API from the
 * page's own origin.
 */
import { HubClient, type HubClientSnapshot, type SocketLike } from '../../../shared/hub-client/hub-client';
import { incidentDetailSchema } from '../../../shared/incidents/types';
import { isSafeExternalUrl, settingsSchema, type EarshotApi, type HubState, type Settings } from '../../../shared/ipc/contract';

export const TOKEN_KEY = 'earshot.token';

export function toHubState(s: HubClientSnapshot): HubState {
  return { connection: s.connection, incidents: [...s.incidents.values()], seq: s.seq, stale: s.stale };
}

export function createWebApi(baseUrl: string, token: string): EarshotApi & { client: HubClient } {
  const client = new HubClient({
    url: baseUrl,
    token,
    client: 'web-console',
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  let settings: Settings = settingsSchema.parse({});
  const showIncidentListeners = new Set<(id: number) => void>();
  client.start();

  const actorOf = () => sessionStorage.getItem('earshot.actor') || 'web-console';

  return {
    client,
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
      return Promise.resolve(settings);
    },
    onHubState: (listener) => client.subscribe((s) => listener(toHubState(s))),
    onShowIncident: (listener) => {
      showIncidentListeners.add(listener);
      return () => showIncidentListeners.delete(listener);
    },
  };
}
