import type { z } from 'zod';
import type { commandSchema } from '../../shared/protocol/stream';
import type { HubCore, SubmitOutcome } from './hub-core';

/** Acknowledge, resolve or snooze, from the HTTP API or the stream alike. `via` records the channel and credential. */
export function runIncidentAction(
  core: HubCore,
  command: z.output<typeof commandSchema>,
  credential: string,
  channel: 'http' | 'stream',
  nowMs: number = Date.now(),
): Promise<SubmitOutcome> {
  const base = { incidentId: command.incidentId, actor: command.actor, via: `${channel}/${credential}` };
  switch (command.action) {
    case 'ack':
      return core.submit({ kind: 'ack', ...base });
    case 'resolve':
      return core.submit({ kind: 'resolve', ...base });
    case 'snooze':
      return core.submit({ kind: 'snooze', ...base, untilMs: nowMs + command.duration });
  }
}
