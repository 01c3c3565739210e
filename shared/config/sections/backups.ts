import { z } from 'zod';
import { NameSchema } from '../types.js';

/** `backups.<name>`: what backupVerify checks. Each kind's fields are completed by the backupVerify function. */
export const BackupsSchema = z.record(NameSchema, z.looseObject({ kind: z.string() })).default({});
export type Backups = z.infer<typeof BackupsSchema>;
