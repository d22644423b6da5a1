/**
 * Hub configuration: defaults < config file (JSON or YAML) < EARSHOT_* env vars < CLI flags.
 * One zod schema validates the merged result, so every source gets the same precise errors.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { durationSchema } from '../../shared/duration';
import { severitySchema } from '../../shared/incidents/types';
import { describeIssues } from '../../shared/zod-issues';
import { roleSchema, type Role } from './access';
import { rotationSchema } from './escalation/rotation';
import { DEFAULT_REPLAY_BYTES } from './hub-core';

export const DEFAULT_PORT = 8725;

const tokenSchema = z.object({
  /** Who this credential is: recorded as the sender/actor, and part of PagerDuty/generic dedup keys. */
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only'),
  token: z.string().min(16, 'must be at least 16 characters'),
  /** What this credential may do (electron/hub/access.ts); machine tokens default to admin. */
  role: roleSchema.default('admin'),
});

/** A person: their own tokens (so every action records who), and a role. */
const personSchema = z
  .object({
    id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only'),
    name: z.string().min(1).max(100),
    role: roleSchema.exclude(['admin', 'sender']),
    tokens: z.array(z.string().min(16, 'must be at least 16 characters')).min(1),
  })
  .strict();

export const hubConfigSchema = z
  .object({
    /** Addresses to listen on. Loopback only unless you say otherwise. */
    hosts: z.array(z.string().min(1)).min(1).default(['127.0.0.1', '::1']),
    port: z.number().int().min(0).max(65_535).default(DEFAULT_PORT),
    dataDir: z.string().min(1).default(join(homedir(), '.earshot', 'hub')),
    tokens: z.array(tokenSchema).default([]),
    /** People: on-call responders, viewers, and presence-only members. */
    people: z.array(personSchema).default([]),
    grafana: z
      .object({
        hmacSecret: z.string().min(1).optional(),
        timestampHeader: z.string().min(1).optional(),
        maxSkew: durationSchema.default(300_000),
      })
      .strict()
      .default({ maxSkew: 300_000 }),
    limits: z
      .object({
        maxBodyBytes: z.number().int().positive().default(1_048_576),
        /** Sustained requests per second per credential, and the burst above it. */
        ratePerSecond: z.number().positive().default(200),
        burst: z.number().int().positive().default(1_000),
      })
      .strict()
      .default({ maxBodyBytes: 1_048_576, ratePerSecond: 200, burst: 1_000 }),
    /** Worker threads that decode webhook bodies ('auto': one per core beyond the hub's own, at most 2; 0: on the main thread). */
    decodeThreads: z.union([z.literal('auto'), z.number().int().min(0).max(16)]).default('auto'),
    incidents: z
      .object({
        staleAlertAfter: durationSchema.nullable().default(6 * 3_600_000),
        retriggerOnSeverityIncrease: z.boolean().default(true),
        defaultSeverity: severitySchema.default('error'),
        timelineLimit: z.number().int().positive().default(500),
        tickInterval: durationSchema.default(1_000),
        /**
         * Resolved incidents held in memory, the most recently resolved; older ones are read
         * from the log when asked for. Open incidents are always in memory.
         */
        resolvedInMemory: z.number().int().nonnegative().default(1_000),
      })
      .strict()
      .default({
        staleAlertAfter: 6 * 3_600_000,
        retriggerOnSeverityIncrease: true,
        defaultSeverity: 'error',
        timelineLimit: 500,
        tickInterval: 1_000,
        resolvedInMemory: 1_000,
      }),
    stream: z
      .object({
        /** Events kept in memory for reconnecting clients; older gaps get a fresh snapshot. */
        replayEvents: z.number().int().nonnegative().default(10_000),
        /** ...and at most this much of their messages (the oldest go first). */
        replayBytes: z.number().int().positive().default(DEFAULT_REPLAY_BYTES),
        /** A client whose unsent data exceeds this is cut off. */
        maxBufferedBytes: z.number().int().positive().default(8 * 1_048_576),
        heartbeat: durationSchema.default(15_000),
        helloTimeout: durationSchema.default(10_000),
        /** Resolved incidents included in a snapshot besides the open ones. */
        snapshotResolved: z.number().int().nonnegative().default(100),
      })
      .strict()
      .default({
        replayEvents: 10_000,
        replayBytes: DEFAULT_REPLAY_BYTES,
        maxBufferedBytes: 8 * 1_048_576,
        heartbeat: 15_000,
        helloTimeout: 10_000,
        snapshotResolved: 100,
      }),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Device telemetry and anomaly detection. */
    telemetry: z
      .object({
        maxSeriesPerDevice: z.number().int().positive().default(200),
        keepSamples: z.number().int().positive().max(100_000).default(3_600),
        threshold: z.number().min(0).max(1).default(0.97),
        resolveAfter: z.number().int().positive().default(60),
        /** Points a new series is learnt for before it can open an incident (NAB does not score its first 15 %, at most 750, either). */
        learnPoints: z.number().int().nonnegative().default(750),
        detect: z.boolean().default(true),
      })
      .strict()
      .default({ maxSeriesPerDevice: 200, keepSamples: 3_600, threshold: 0.97, resolveAfter: 60, learnPoints: 750, detect: true }),
    /** Teams: an on-call rotation of people and an escalation policy, for incidents matching `match` (labels). */
    teams: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only'),
            /** Label values an incident must have (group or common labels); {} matches every incident. */
            match: z.record(z.string(), z.string()).default({}),
            rotation: rotationSchema,
            escalation: z
              .object({ waitMinutes: z.number().positive().max(1_440).default(5), levels: z.number().int().min(1).max(20).default(3) })
              .strict()
              .default({ waitMinutes: 5, levels: 3 }),
          })
          .strict(),
      )
      .default([]),
    /**
     * Opt-in presence: how long its history is kept, and after how long without word from a
     * person's device their state counts as unknown (a laptop asleep cannot say it is away).
     */
    presence: z
      .object({ retentionDays: z.number().positive().max(365).default(7), staleAfterMinutes: z.number().positive().max(1_440).default(15) })
      .strict()
      .default({ retentionDays: 7, staleAfterMinutes: 15 }),
    /** Markdown runbooks matched to incidents by label (samples: resources/runbooks). */
    runbooks: z
      .object({
        dir: z.string().min(1).optional(),
        maxOutputBytes: z.number().int().positive().default(256 * 1024),
      })
      .strict()
      .default({ maxOutputBytes: 256 * 1024 }),
    /** Speech synthesis for web consoles (POST /api/v1/speech): the engine on the hub's machine. */
    speech: z
      .object({
        backend: z.enum(['espeak-ng', 'festival', 'say', 'sapi']).optional(),
        voice: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_+.-]{0,59}(?:\/[A-Za-z0-9_+.-]{1,40})?$/).optional(),
        rate: z.number().int().min(80).max(450).optional(),
      })
      .strict()
      .default({}),
    /** The built web console to serve at `/` (default: out/renderer next to the hub). */
    consoleDir: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set(c.tokens.map((t) => t.name));
    const secrets = new Set(c.tokens.map((t) => t.token));
    const ids = new Set(c.people.map((p) => p.id));
    c.teams.forEach((t, i) =>
      t.rotation.people.forEach((person, j) => {
        if (!ids.has(person)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'rotation', 'people', j], message: `"${person}" is not in people` });
      }),
    );
    c.people.forEach((p, i) => {
      if (names.has(p.id)) ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `"${p.id}" is already a token or person name` });
      names.add(p.id);
      p.tokens.forEach((t, j) => {
        if (secrets.has(t)) ctx.addIssue({ code: 'custom', path: ['people', i, 'tokens', j], message: 'this token is already in use' });
        secrets.add(t);
      });
    });
  });

/** Every credential the hub accepts: machine tokens and people's tokens (named by the person's id). */
export function credentialsOf(c: Pick<HubConfig, 'tokens' | 'people'>): { name: string; token: string; role: Role; person?: boolean }[] {
  return [...c.tokens, ...c.people.flatMap((p) => p.tokens.map((token) => ({ name: p.id, token, role: p.role, person: true })))];
}

export type HubConfig = z.output<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length ? `${message}\n  ${details.join('\n  ')}` : message);
    this.name = 'ConfigError';
  }
}

export function parseHubConfig(input: unknown, origin = 'configuration'): HubConfig {
  const result = hubConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`invalid ${origin}:`, describeIssues(result.error, '(config)'));
  return result.data;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold an object`);
  }
  return parsed as Record<string, unknown>;
}

/** EARSHOT_PORT, EARSHOT_DATA_DIR, EARSHOT_TOKEN, EARSHOT_HOSTS (comma-separated), EARSHOT_LOG_LEVEL. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env['EARSHOT_PORT']) out['port'] = Number(env['EARSHOT_PORT']);
  if (env['EARSHOT_DATA_DIR']) out['dataDir'] = env['EARSHOT_DATA_DIR'];
  if (env['EARSHOT_TOKEN']) out['token'] = env['EARSHOT_TOKEN'];
  if (env['EARSHOT_HOSTS']) out['hosts'] = env['EARSHOT_HOSTS'].split(',').map((h) => h.trim());
  if (env['EARSHOT_LOG_LEVEL']) out['logLevel'] = env['EARSHOT_LOG_LEVEL'];
  return out;
}

/**
 * Merges layers (later wins). A `token` shorthand in any layer becomes the
 * credential named "admin", replacing an earlier "admin".
 */
export function mergeConfigLayers(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'token') {
        const tokens = ((merged['tokens'] as { name: string }[] | undefined) ?? []).filter((t) => t.name !== 'admin');
        merged['tokens'] = [...tokens, { name: 'admin', token: v }];
      } else if (isPlainObject(v) && isPlainObject(merged[k])) {
        merged[k] = { ...(merged[k] as object), ...v };
      } else {
        merged[k] = v;
      }
    }
  }
  return merged;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
