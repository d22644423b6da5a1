/** What a desktop notification says for a stream event; null when it is not worth one. */
import type { IncidentEventMessage } from '../../shared/hub-client/hub-client';

export interface NotificationContent {
  incidentId: number;
  title: string;
  body: string;
  urgent: boolean;
}

const MAX_BODY = 240;

export function notificationFor(message: IncidentEventMessage): NotificationContent | null {
  const { event, incident } = message;
  const fresh = event.type === 'incident.triggered';
  const retriggered = event.type === 'incident.retriggered';
  if (!fresh && !retriggered) return null;
  const severity = incident.severity.toUpperCase();
  const labels = Object.entries(incident.commonLabels)
    .filter(([k]) => k !== 'alertname' && k !== 'severity')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const body = [retriggered ? 'Re-triggered.' : '', `#${incident.id} from ${incident.source}`, labels].filter(Boolean).join(' ');
  // Notifications are plain text on every platform; length is the only thing to bound.
  return {
    incidentId: incident.id,
    title: `${severity}: ${incident.title}`.slice(0, 120),
    body: body.length > MAX_BODY ? `${body.slice(0, MAX_BODY - 1)}…` : body,
    urgent: incident.severity === 'critical',
  };
}
