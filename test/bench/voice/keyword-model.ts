/**
 * The shipped keyword model, read from disk for the benchmark and the tests (the app
 * imports the same file through Vite). `resources/voice/keyword-model.json` is made by
 * `npm run bench:voice-model` (train-keyword-model.ts); see shared/voice/keyword-model.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeywordModel, type KeywordModel } from '../../../shared/voice/keyword-model';
import { ROOT } from '../../helpers/cli';

export const SHIPPED_MODEL = join(ROOT, 'resources/voice/keyword-model.json');

export function loadKeywordModel(path = SHIPPED_MODEL): KeywordModel {
  return parseKeywordModel(JSON.parse(readFileSync(path, 'utf8')));
}
