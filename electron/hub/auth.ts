import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Role } from './access';

export interface Credential {
  name: string;
  token: string;
  role?: Role;
  /** A person's token (from `people`), as opposed to a machine token. */
  person?: boolean;
}

/**
 * Finds the credential a secret belongs to. Compares SHA-256 digests with
 * timingSafeEqual, so neither the secret's content nor its length leaks through
 * timing, and checks every credential so the position of a match does not either.
 */
export class Authenticator {
  private readonly digests: { name: string; digest: Buffer }[];
  private readonly roles = new Map<string, Role>();
  private readonly people = new Set<string>();

  constructor(credentials: readonly Credential[]) {
    this.digests = credentials.map((c) => ({ name: c.name, digest: sha256(c.token) }));
    for (const c of credentials) {
      this.roles.set(c.name, c.role ?? 'admin');
      if (c.person) this.people.add(c.name);
    }
  }

  /**
   * Who an action is recorded as: a person's token acts as that person, whatever
   * name the client claims; a machine token (an integration acting for someone)
   * records the name it gives.
   */
  actorFor(credential: string, claimed: string): string {
    return this.people.has(credential) ? credential : claimed;
  }

  /** The role of an identified credential (admin for machine tokens without one). */
  roleOf(name: string): Role {
    return this.roles.get(name) ?? 'admin';
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  identify(secret: string | undefined): string | null {
    if (secret === undefined || secret === '') return null;
    const given = sha256(secret);
    let found: string | null = null;
    for (const { name, digest } of this.digests) if (timingSafeEqual(given, digest) && found === null) found = name;
    return found;
  }

  /** `Authorization: Bearer <token>` or `Basic base64(user:token)` (the password is the token). */
  identifyRequest(headers: IncomingHttpHeaders): string | null {
    return this.identify(secretFromAuthorization(headers.authorization));
  }
}

export function secretFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
