import type { X509Certificate } from 'node:crypto';
import type { CertProtocol } from './config.js';

/** Per-address verdict, worst last. */
export const CertStatuses = ['ok', 'warn', 'critical', 'error'] as const;
export type CertStatus = (typeof CertStatuses)[number];

/** Every problem a probe can report. */
export const CertProblems = [
  'expired',
  'not-yet-valid',
  'expiring',
  'chain-expiring',
  'hostname-mismatch',
  'untrusted',
  'self-signed',
  'weak-key',
  'weak-signature',
  'old-protocol',
  'inconsistent',
  'timeout',
  'refused',
  'dns',
  'not-tls',
  /** Not probed: its shard of a run split into shards failed or never reported. */
  'not-probed',
] as const;
export type CertProblem = (typeof CertProblems)[number];

/** Why a probe got no certificate. */
export type ProbeFailure = Extract<CertProblem, 'timeout' | 'refused' | 'dns' | 'not-tls'>;

/** One endpoint with every default resolved: what gets probed. */
export interface Target {
  /** `host:port` as shown to people. */
  endpoint: string;
  host: string;
  port: number;
  servername: string;
  /** Connect here instead of resolving `host`. */
  address?: string;
  protocol: CertProtocol;
  /** Extra trusted roots (PEM files) for this endpoint. */
  caFiles: string[];
}

/** A presented certificate: Node's X509Certificate or its detailed peer-certificate object. */
export type Presented = Pick<X509Certificate, 'fingerprint256' | 'raw'>;

/** What one probe of one address brought back. */
export type ProbeResult =
  | {
      ok: true;
      /** The presented certificates, leaf first, in the order the server sent them. */
      chain: Presented[];
      /** Negotiated TLS version (`TLSv1.3`). */
      protocol: string;
    }
  | { ok: false; problem: ProbeFailure; error: string };

/** One result item: one address of one endpoint. */
export interface CertItem {
  endpoint: string;
  host: string;
  port: number;
  address: string | null;
  servername: string;
  status: CertStatus;
  daysLeft: number | null;
  notAfter: string | null;
  notBefore: string | null;
  chainNotAfter: string | null;
  subject: string | null;
  issuer: string | null;
  sans: string[];
  keyType: string | null;
  keyBits: number | null;
  signature: string | null;
  protocol: string | null;
  fingerprint: string | null;
  trusted: boolean | null;
  /** Why a strict client would refuse this certificate (Node's codes, from certExpiry's own verification). */
  authorizationError: string | null;
  problems: CertProblem[];
  /** Why the probe failed, for `error` items. */
  error?: string;
}
