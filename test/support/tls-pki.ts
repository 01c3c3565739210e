import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY_MS = 86_400_000;

/** A key pair as PEM, with its file path for openssl. */
export interface TestKey {
  path: string;
  pem: string;
}

/** A certificate as PEM, with its key and file path. */
export interface TestCert {
  path: string;
  pem: string;
  key: TestKey;
  subject: string;
}

/** What to issue: dates are offsets in days from the PKI's `now`. */
export interface IssueSpec {
  name: string;
  cn: string;
  key: TestKey;
  /** Omit for a self-signed certificate. */
  issuer?: TestCert;
  fromDays: number;
  toDays: number;
  ca?: boolean;
  sans?: string[];
  md?: 'sha256' | 'sha1';
  /** Extension lines in place of the usual CA or server ones (basicConstraints, keyUsage, extendedKeyUsage). */
  extensions?: string[];
}

function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

const CONFIG = `[ ca ]
default_ca = ca_default
[ ca_default ]
database = index.txt
new_certs_dir = issued
serial = serial
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
commonName = supplied
`;

/**
 * A throwaway certificate authority driven by the openssl CLI (`openssl ca` sets exact start and end
 * dates on OpenSSL 3.0, which `req -x509` cannot). Everything lives in one temp dir removed by `cleanup`.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'opsfn-pki-'));
  readonly now: Date;

  constructor(now = new Date()) {
    this.now = now;
    mkdirSync(join(this.dir, 'issued'));
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'ca.cnf'), CONFIG);
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** A fresh key: EC P-256 by default (fast), or RSA of the given size. */
  key(name: string, rsaBits?: number): TestKey {
    const path = join(this.dir, `${name}.key`);
    const algo = rsaBits
      ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${rsaBits}`]
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    this.openssl(['genpkey', ...algo, '-out', path]);
    return { path, pem: readFileSync(path, 'utf8') };
  }

  /** Issues a certificate with exact validity dates, signed by `issuer` or by itself. */
  issue(spec: IssueSpec): TestCert {
    const csr = join(this.dir, `${spec.name}.csr`);
    const out = join(this.dir, `${spec.name}.pem`);
    const ext = join(this.dir, `${spec.name}.ext`);
    const lines = spec.extensions
      ? [...spec.extensions]
      : spec.ca
        ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign']
        : [
            'basicConstraints = CA:FALSE',
            'keyUsage = critical,digitalSignature,keyEncipherment',
            'extendedKeyUsage = serverAuth',
          ];
    lines.push('subjectKeyIdentifier = hash');
    if (spec.issuer) lines.push('authorityKeyIdentifier = keyid');
    if (spec.sans?.length) lines.push(`subjectAltName = ${spec.sans.join(',')}`);
    writeFileSync(ext, `[ ext ]\n${lines.join('\n')}\n`);
    writeFileSync(join(this.dir, 'serial'), `${randomBytes(8).toString('hex').replace(/^./, '4')}\n`);
    this.openssl(['req', '-new', '-key', spec.key.path, '-subj', `/CN=${spec.cn}`, '-out', csr]);
    const signer = spec.issuer
      ? ['-cert', spec.issuer.path, '-keyfile', spec.issuer.key.path]
      : ['-selfsign', '-keyfile', spec.key.path];
    this.openssl([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-md',
      spec.md ?? 'sha256',
      '-startdate',
      stamp(new Date(this.now.getTime() + spec.fromDays * DAY_MS)),
      '-enddate',
      stamp(new Date(this.now.getTime() + spec.toDays * DAY_MS)),
      '-extfile',
      ext,
      '-extensions',
      'ext',
      '-in',
      csr,
      '-out',
      out,
      ...signer,
    ]);
    return { path: out, pem: readFileSync(out, 'utf8'), key: spec.key, subject: `CN=${spec.cn}` };
  }

  /** Writes PEMs into one file (a CA bundle or a served chain) and returns its path. */
  bundle(name: string, certs: TestCert[]): string {
    const path = join(this.dir, `${name}.bundle.pem`);
    writeFileSync(path, certs.map((c) => c.pem).join(''));
    return path;
  }

  /** Removes every file of this PKI. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
