import { z } from 'zod';
import { NameSchema } from '../types.js';

/** `drills.<plan>`: DR drill plans. Completed by the drDrill function. */
export const DrillsSchema = z.record(NameSchema, z.looseObject({ steps: z.array(z.unknown()) })).default({});
export type Drills = z.infer<typeof DrillsSchema>;
