import { parseArgs } from 'node:util';
import { configFromEnv, mergeConfigLayers, parseHubConfig, readConfigFile } from '../hub/config';
import { startHub, type RunningHub } from '../hub/index';
import { createLogger } from '../hub/log';

/** `earshot hub …`: runs the hub until SIGTERM or SIGINT. `announce` replaces the first stdout line. */
export async function runHub(args: string[], announce?: (hub: RunningHub) => string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const cli: Record<string, unknown> = {
    port: values.port === undefined ? undefined : Number(values.port),
    hosts: values.host,
    dataDir: values['data-dir'],
    token: values.token,
    logLevel: values['log-level'],
  };
  const file = values.config ? readConfigFile(values.config) : {};
  const config = parseHubConfig(mergeConfigLayers(file, configFromEnv(process.env), cli));
  const log = createLogger(config.logLevel);
  const hub = await startHub(config, { log });
  process.stdout.write(announce ? announce(hub) : `Earshot hub listening on ${hub.url}\n`);
  if (hub.generatedToken) {
    process.stdout.write(`No token configured: using the one in ${config.dataDir}/hub-token: ${hub.generatedToken}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      hub.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

