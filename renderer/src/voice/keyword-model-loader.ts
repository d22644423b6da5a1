/**
 * The keyword model bundled with the app (resources/voice/keyword-model.json): its own
 * chunk, fetched from the app itself (or the hub serving the web console) when the voice
 * controller starts — never from anywhere else — and validated like any other input.
 */
import { parseKeywordModel, type KeywordModel } from '../../../shared/voice/keyword-model';

export async function loadBundledKeywordModel(): Promise<KeywordModel> {
  const file = await import('../../../resources/voice/keyword-model.json');
  return parseKeywordModel(file.default);
}
