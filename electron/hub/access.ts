/**
 * Who may do what. Every credential has a role; every HTTP route and stream command
 * needs one permission. Machine tokens (`tokens` in the config) default to `admin`,
 * as before roles existed; people's tokens (`people`) carry the person's role.
 *
 * | role          | ingest alerts | publish (telemetry, device status) | read incidents | act (ack, resolve, snooze, run steps) | presence |
 * |---------------|---|---|---|---|---|
 * | admin         | ✓ | ✓ | ✓ | ✓ | ✓ |
 * | sender        | ✓ | ✓ |   |   |   |
 * | responder     |   | ✓ | ✓ | ✓ | ✓ |
 * | viewer        |   | ✓ | ✓ |   | ✓ |
 * | presence-only |   |   |   |   | ✓ |
 * Presence = share your own (after consenting) and see the team's board.
 */
import { z } from 'zod';
import type { Permission } from '../../shared/protocol/stream';

export const roleSchema = z.enum(['admin', 'sender', 'responder', 'viewer', 'presence-only']);
export type Role = z.infer<typeof roleSchema>;
export type { Permission } from '../../shared/protocol/stream';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(['ingest', 'publish', 'read', 'act', 'presence']),
  sender: new Set(['ingest', 'publish']),
  responder: new Set(['publish', 'read', 'act', 'presence']),
  viewer: new Set(['publish', 'read', 'presence']),
  'presence-only': new Set(['presence']),
};

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...GRANTS[role]];
}

const ACTIONS: Record<Permission, string> = {
  ingest: 'send alerts',
  publish: 'publish device data',
  read: 'read incidents',
  act: 'act on incidents',
  presence: 'share or see presence',
};

/** The 403 message: names the role and what it may not do. */
export function deniedMessage(credential: string, role: Role, permission: Permission): string {
  return `"${credential}" (role ${role}) may not ${ACTIONS[permission]}`;
}
