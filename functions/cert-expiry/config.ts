import { isIP } from 'node:net';
import { type ConfigSection, DurationSchema } from '../../shared/core/config/index.js';
import * as z from '../../shared/core/schema/index.js';

/** How a probe reaches TLS on an endpoint: direct TLS, or an upgrade inside SMTP, PostgreSQL or MySQL. */
export const CertProtocols = ['tls', 'smtp', 'postgres', 'mysql'] as const;
export type CertProtocol = (typeof CertProtocols)[number];

const HOST = /^(?=.{1,253}$)[A-Za-z0-9_*]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/;
const PortSchema = z
  .number({ error: 'expected a port number 1-65535' })
  .check(
    z.int('expected a port number 1-65535'),
    z.gte(1, 'expected a port number 1-65535'),
    z.lte(65_535, 'expected a port number 1-65535'),
  );
const HostSchema = z.string({ error: 'expected a host name or IP address' }).check(
  // The pattern first: the first `isIP` of a process compiles Node's IPv6 pattern (about 5 ms of a cold start).
  z.refine((host) => HOST.test(host) || isIP(host) !== 0, 'expected a host name or IP address like "api.example.com"'),
);

/** Parses `host`, `host:port` or `[v6]:port`; undefined when malformed. */
export function parseEndpointString(text: string): { host: string; port: number } | undefined {
  const trimmed = text.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(trimmed);
  if (bracketed) return checked(bracketed[1] ?? '', bracketed[2]);
  if (trimmed.indexOf(':') !== trimmed.lastIndexOf(':') && isIP(trimmed) === 6) return { host: trimmed, port: 443 };
  const m = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(trimmed);
  return m ? checked(m[1] ?? '', m[2]) : undefined;
}

function checked(host: string, port: string | undefined): { host: string; port: number } | undefined {
  const value = port === undefined ? 443 : Number(port);
  const valid = HostSchema.safeParse(host).success && PortSchema.safeParse(value).success;
  return valid ? { host, port: value } : undefined;
}

const EndpointObjectSchema = z.strictObject({
  host: HostSchema,
  port: z._default(PortSchema, 443),
  /** SNI and the name the certificate must match; defaults to `host`. */
  servername: z.optional(HostSchema),
  /** Connect here (IP or name) instead of resolving `host`. */
  address: z.optional(HostSchema),
  protocol: z._default(z.enum(CertProtocols, { error: `expected one of ${CertProtocols.join(', ')}` }), 'tls'),
  /** Extra trusted roots (PEM) for this endpoint only, on top of the system store and the section's `caFile`. */
  caFile: z.optional(z.string().check(z.minLength(1, 'expected a path to a PEM file'))),
});

/** One endpoint: `host:port` or a full object; strings become objects with every default filled. */
export const CertEndpointSchema = z.pipe(
  z.transform((value: unknown, ctx) => {
    if (typeof value !== 'string') return value;
    const parsed = parseEndpointString(value);
    if (!parsed) return z.reject(ctx, `expected "host:port" like "api.example.com:443", got "${value}"`);
    return parsed;
  }),
  EndpointObjectSchema,
);
export type CertEndpoint = z.infer<typeof CertEndpointSchema>;

/** `certificates`: the endpoints certExpiry probes, its thresholds and its bounds. */
export const CertificatesSchema = z.prefault(
  z
    .strictObject({
      endpoints: z._default(
        z.array(CertEndpointSchema).check(z.maxLength(10_000, 'expected at most 10000 endpoints')),
        [],
      ),
      /** Warn when fewer days than this (or a third of the lifetime, whichever is less) are left. */
      warnDays: z._default(z.number().check(z.positive('expected a positive number of days'), z.lte(3650)), 30),
      /** Critical when fewer days than this (or a tenth of the lifetime, whichever is less) are left. */
      criticalDays: z._default(z.number().check(z.positive('expected a positive number of days'), z.lte(3650)), 7),
      /** Bound on one probe: DNS, connect, STARTTLS and handshake together. */
      timeout: z._default(DurationSchema, 5_000),
      concurrency: z._default(
        z.number().check(z.int(), z.gte(1, 'expected at least 1'), z.lte(1_024, 'expected at most 1024')),
        64,
      ),
      /** Bound on the whole run; probes not finished by then become `timeout` errors. */
      runTimeout: z._default(DurationSchema, 240_000),
      /** Extra trusted roots (PEM), added to the system store. */
      caFile: z.optional(z.string().check(z.minLength(1, 'expected a path to a PEM file'))),
      /** Writes a `days_to_expiry` gauge per endpoint to Cloud Monitoring when set. */
      gauge: z.optional(
        z.strictObject({
          project: z
            .string()
            .check(z.regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected a Google Cloud project id like "my-project"')),
          metricType: z._default(
            z
              .string()
              .check(
                z.regex(
                  /^custom\.googleapis\.com\/[A-Za-z0-9_/.-]+$/,
                  'expected a custom metric type like "custom.googleapis.com/x"',
                ),
              ),
            'custom.googleapis.com/opsfn/cert/days_to_expiry',
          ),
        }),
      ),
    })
    .check(
      z.refine((c) => c.criticalDays <= c.warnDays, {
        message: 'expected criticalDays <= warnDays',
        path: ['criticalDays'],
      }),
    ),
  {},
);
export type Certificates = z.infer<typeof CertificatesSchema>;

declare module '../../shared/core/config/index.js' {
  interface EstateSections {
    certificates: typeof CertificatesSchema;
  }
}

/** The `certificates` section of the estate. */
export const certExpirySection: ConfigSection<'certificates'> = { key: 'certificates', schema: CertificatesSchema };
