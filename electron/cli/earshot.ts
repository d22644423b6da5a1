#!/usr/bin/env node
/**
 * The `earshot` command.
 *
 *   earshot hub    [--config FILE] [--port N|0] [--data-dir DIR] [--token SECRET] [--host ADDR]…
 *   earshot verify --data-dir DIR [--expect-head SEQ:HASH]
 *   earshot start  (the desktop app; without an Electron runtime, the hub and its web console)
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../hub/config';
import { DataDirLockedError } from '../hub/store/data-dir-lock';
import { runHub } from './hub-command';
import { runSay } from './say-command';
import { runDemoSpeech } from './demo-speech';
import { NoSpeechEngineError } from '../speech/engine';
import { verifyChain } from '../hub/store/event-store';
import { startDesktop } from './start';

const USAGE = `usage: earshot <command> [options]

commands:
  hub      run the hub
             --config FILE      JSON or YAML config file (see README, "Configuration")
             --port N           port to listen on; 0 picks a free one (default 8725)
             --host ADDR        address to listen on; repeatable (default 127.0.0.1 and ::1)
             --data-dir DIR     where the event log lives (default ~/.earshot/hub)
             --token SECRET     the admin token (at least 16 characters)
           env: EARSHOT_PORT, EARSHOT_DATA_DIR, EARSHOT_TOKEN, EARSHOT_HOSTS, EARSHOT_LOG_LEVEL
  verify   check the event log's hash chain; exits 1 naming the first bad row
             --data-dir DIR     (required)
             --expect-head S:H  the head recorded elsewhere, to catch rows cut from the end
  start    run the desktop app (or, without an Electron runtime, the hub with its web console)
  say      test your speech setup, exactly as announcements are spoken
             earshot say [--backend espeak-ng|festival|say|sapi] [--voice V] [--rate WPM] [--out file.wav] <text…>
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'hub':
      return runHub(rest);
    case 'verify':
      return runVerify(rest);
    case 'start':
      return startDesktop(rest);
    case 'say':
      return runSay(rest);
    case 'demo-speech':
      return runDemoSpeech(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`earshot: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

function runVerify(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, 'expect-head': { type: 'string' } },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new ConfigError('verify needs --data-dir DIR');
  const result = verifyChain(dataDir, values['expect-head']);
  if (result.ok) {
    process.stdout.write(`ok: ${result.rows} events, chain intact; head ${result.head.seq}:${result.head.hash}\n`);
    return 0;
  }
  const where = result.problem?.seq == null ? 'the log' : `row ${result.problem.seq}`;
  process.stdout.write(`TAMPERED: ${where}: ${result.problem?.reason ?? 'unknown problem'} (${result.rows} rows verified before it)\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof NoSpeechEngineError || (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`earshot: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`earshot: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
