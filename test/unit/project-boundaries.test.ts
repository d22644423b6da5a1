/** The architecture's boundaries are enforced by lint rules, not by hope: prove the rules bite. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { parseHubConfig, readConfigFile } from '../../electron/hub/config';
import { ROOT } from '../helpers/cli';

const eslint = new ESLint({ cwd: ROOT });

async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('boundaries', () => {
  it.each([
    ['shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", /no-restricted-imports.*no Node built-ins/],
    ['shared/x.ts', "import { app } from 'electron';\nexport const x = app;\n", /no-restricted-imports.*must not import Electron/],
    ['shared/x.ts', 'export const x = process.env;\n', /no-restricted-globals/],
    ['shared/x.ts', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n", /no-restricted-imports.*no Node built-ins/],
    ['electron/hub/x.ts', "import { app } from 'electron';\nexport const x = app;\n", /no-restricted-imports.*never import Electron/],
    ['renderer/src/x.ts', "import { startHub } from '../../electron/hub/index';\nexport const x = startHub;\n", /no-restricted-imports.*never imports electron/],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n", /no-restricted-imports/],
  ])('%s: %s is refused', async (path, code, rule) => {
    expect((await lint(path, code)).join('\n')).toMatch(rule);
  });

  it('allows what each side may use', async () => {
    expect(await lint('shared/x.ts', "import { z } from 'zod';\nexport const x = z.string();\n")).toEqual([]);
    expect(await lint('shared/hub-client/x.ts', "import { STREAM_PATH } from '../protocol/stream';\nexport const x = STREAM_PATH;\n")).toEqual([]);
    expect(await lint('electron/hub/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toEqual([]);
  });
});

describe('resources', () => {
  it('the sample hub config is valid', () => {
    const config = parseHubConfig(readConfigFile(`${ROOT}/resources/hub.example.yaml`));
    expect(config.tokens.map((t) => t.name)).toEqual(['alertmanager', 'grafana']);
    expect(config.incidents.staleAlertAfter).toBe(6 * 3_600_000);
  });
});
