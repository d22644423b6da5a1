/**
 * The keyword model bundled with the app (resources/voice/keyword-model.json): its own
 * chunk, fetched from the app itself (or the hub serving the web console) when the voice
 * controller starts — never from anywhere else — and validated like any other input.
 */
import { parseKeywordModel, type KeywordModel } from '../../../shared/voice/keyword-model';

let loaded: Promise<KeywordModel> | undefined;

/** Loaded and validated once; every voice controller (one per settings change) shares it. */
export function loadBundledKeywordModel(): Promise<KeywordModel> {
  loaded ??= import('../../../resources/voice/keyword-model.json').then((file) => parseKeywordModel(file.default));
  return loaded;
}
