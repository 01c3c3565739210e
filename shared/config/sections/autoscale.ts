import { z } from 'zod';

/** `autoscale`: the policies the autoscale function acts on. Completed by the autoscale function. */
export const AutoscaleSchema = z.looseObject({ policies: z.array(z.unknown()).default([]) }).optional();
export type Autoscale = z.infer<typeof AutoscaleSchema>;
