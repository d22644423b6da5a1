/**
 * What a recognised voice command does, the same in the desktop app and the web
 * console: act on the incident the listening window was about, then say so aloud
 * ("Acknowledged. Incident 42."); "repeat" says the incident again; "cancel" and
 * "say again" only speak. A hub refusal is spoken too, then reported to the caller.
 */
import type { Announcer } from '../announce/announcer';
import type { IncidentSummary } from '../incidents/types';
import type { StreamCommand } from '../protocol/stream';

export type VoiceAction = 'acknowledge' | 'snooze' | 'resolve' | 'repeat' | 'cancel' | 'say-again';

interface ActDeps {
  command: (c: StreamCommand) => Promise<IncidentSummary | undefined>;
  announcer: Announcer | undefined;
  actor: string;
}

/** Acknowledge, snooze (15 min) or resolve an incident by hands-free means — a voice command or an AirPods press — and confirm aloud. */
export async function actOnIncident(action: 'acknowledge' | 'snooze' | 'resolve', incidentId: number, deps: ActDeps): Promise<IncidentSummary | undefined> {
  const incident =
    action === 'acknowledge'
      ? await deps.command({ action: 'ack', incidentId, actor: deps.actor })
      : action === 'snooze'
        ? await deps.command({ action: 'snooze', incidentId, actor: deps.actor, duration: '15m' })
        : await deps.command({ action: 'resolve', incidentId, actor: deps.actor });
  deps.announcer?.confirm(action === 'acknowledge' ? 'confirm-ack' : action === 'snooze' ? 'confirm-snooze' : 'confirm-resolve', incidentId);
  return incident;
}

export async function runVoiceCommand(
  action: VoiceAction,
  incidentId: number | null,
  deps: ActDeps,
): Promise<IncidentSummary | undefined> {
  const { announcer } = deps;
  if (action === 'say-again' || action === 'cancel') {
    announcer?.confirm(action === 'say-again' ? 'say-again' : 'cancelled');
    return undefined;
  }
  if (incidentId === null) {
    announcer?.say('No incident to act on.');
    throw new Error(`"${action}" needs an incident: none was announced`);
  }
  if (action === 'repeat') {
    if (!announcer?.repeatIncident(incidentId)) throw new Error(`incident ${incidentId} is not known here`);
    return undefined;
  }
  try {
    return await actOnIncident(action, incidentId, deps);
  } catch (err) {
    announcer?.say(`Could not ${action} incident ${incidentId}.`);
    throw err;
  }
}
