import { z } from 'zod';
import { isoDateSchema, keyIdSchema } from './common.schema.js';

/** The latest request time of each key seen since the previous batch (`UsageSubjects.keysUsed`). */
export const keysUsedEventSchema = z.object({
  type: z.literal('keys.used'),
  keys: z
    .array(z.object({ key_id: keyIdSchema, last_used_at: isoDateSchema }))
    .min(1)
    .max(1000),
});
export type KeysUsedEvent = z.infer<typeof keysUsedEventSchema>;
