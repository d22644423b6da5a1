/** The user's enrolment takes, on this device only (localStorage), validated when read like any other input. */
import { enrolmentSchema, type Enrolment } from '../../../shared/voice/recognizer';
import { SAMPLE_RATE } from '../../../shared/voice/features';

export const ENROLMENT_KEY = 'earshot.voice.enrolment';

export function loadEnrolment(storage: Storage = localStorage): Enrolment {
  const empty: Enrolment = { version: 1, sampleRate: SAMPLE_RATE, takes: [] };
  const raw = storage.getItem(ENROLMENT_KEY);
  if (!raw) return empty;
  try {
    const parsed = enrolmentSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
    console.warn(`voice enrolment in this browser is not valid (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); starting over`);
  } catch {
    console.warn('voice enrolment in this browser is not JSON; starting over');
  }
  return empty;
}

export function saveEnrolment(e: Enrolment, storage: Storage = localStorage): void {
  storage.setItem(ENROLMENT_KEY, JSON.stringify(enrolmentSchema.parse(e)));
}

export function clearEnrolment(storage: Storage = localStorage): void {
  storage.removeItem(ENROLMENT_KEY);
}
