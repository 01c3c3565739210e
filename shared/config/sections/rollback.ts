import { z } from 'zod';

/** `rollback`: the policies the rollback function acts on. Completed by the rollback function. */
export const RollbackSchema = z.looseObject({ policies: z.array(z.unknown()).default([]) }).optional();
export type Rollback = z.infer<typeof RollbackSchema>;
