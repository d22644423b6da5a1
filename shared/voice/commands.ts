/** The voice commands Earshot understands. */
import { z } from 'zod';

export const COMMANDS = ['acknowledge', 'snooze', 'resolve', 'repeat', 'cancel'] as const;
export const voiceCommandSchema = z.enum(COMMANDS);
export type VoiceCommand = z.infer<typeof voiceCommandSchema>;
