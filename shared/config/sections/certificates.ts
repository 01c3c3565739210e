import { z } from 'zod';

/** `certificates`: the endpoints certExpiry probes. Completed by the certExpiry function. */
export const CertificatesSchema = z.looseObject({ endpoints: z.array(z.unknown()).default([]) }).optional();
export type Certificates = z.infer<typeof CertificatesSchema>;
