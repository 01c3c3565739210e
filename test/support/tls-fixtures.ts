import { type TestCert, TestPki } from './tls-pki.js';

/** Names every loopback leaf carries, so hostname checks pass unless a case says otherwise. */
export const LOOPBACK_SANS = ['DNS:localhost', 'DNS:*.test.local', 'IP:127.0.0.1', 'IP:127.0.0.2', 'IP:::1'];

/** The certificates of the test estate: one leaf per verdict and problem, with the chain each needs. */
export interface TlsFixtures {
  pki: TestPki;
  root: TestCert;
  inter: TestCert;
  interSoon: TestCert;
  crossSigned: TestCert;
  oldRoot: TestCert;
  leaves: Record<
    | 'ok'
    | 'okTwin'
    | 'warn'
    | 'critical'
    | 'expired'
    | 'notYet'
    | 'short47Ok'
    | 'short47Overdue'
    | 'mismatch'
    | 'rsa1024'
    | 'sha1'
    | 'underSoon',
    TestCert
  >;
  selfSigned: TestCert;
  /** The trusted roots of the estate (`caFile`): the test root and the old root. */
  caFile: string;
  /** Only the old root, so the expired cross-sign is the one way up. */
  oldRootOnly: string;
}

/** Generates the whole fixture PKI (about 20 openssl runs); call `pki.cleanup()` afterwards. */
export function createTlsFixtures(now = new Date()): TlsFixtures {
  const pki = new TestPki(now);
  const rootKey = pki.key('root');
  const root = pki.issue({ name: 'root', cn: 'opsfn Test Root', key: rootKey, fromDays: -365, toDays: 3650, ca: true });
  const oldRoot = pki.issue({
    name: 'old-root',
    cn: 'opsfn Old Root',
    key: pki.key('old-root'),
    fromDays: -7300,
    toDays: 3650,
    ca: true,
  });
  const crossSigned = pki.issue({
    name: 'cross',
    cn: 'opsfn Test Root',
    key: rootKey,
    issuer: oldRoot,
    fromDays: -3650,
    toDays: -30,
    ca: true,
  });
  const inter = pki.issue({
    name: 'inter',
    cn: 'opsfn Test Intermediate',
    key: pki.key('inter'),
    issuer: root,
    fromDays: -365,
    toDays: 1825,
    ca: true,
  });
  const interSoon = pki.issue({
    name: 'inter-soon',
    cn: 'opsfn Soon Intermediate',
    key: pki.key('inter-soon'),
    issuer: root,
    fromDays: -360,
    toDays: 5,
    ca: true,
  });
  const leafKey = pki.key('leaf');
  const leaf = (name: string, fromDays: number, toDays: number, extra: Partial<Parameters<TestPki['issue']>[0]> = {}) =>
    pki.issue({
      name,
      cn: `${name}.test.local`,
      key: leafKey,
      issuer: inter,
      fromDays,
      toDays,
      sans: LOOPBACK_SANS,
      ...extra,
    });
  const leaves = {
    ok: leaf('ok', -30, 335),
    okTwin: leaf('ok-twin', -10, 355),
    warn: leaf('warn', -345, 20),
    critical: leaf('critical', -360, 5),
    expired: leaf('expired', -400, -35),
    notYet: leaf('not-yet', 10, 400),
    short47Ok: leaf('short47-ok', -20, 27),
    short47Overdue: leaf('short47-overdue', -37, 10),
    mismatch: leaf('mismatch', -30, 335, { sans: ['DNS:other.example'] }),
    rsa1024: leaf('rsa1024', -30, 335, { key: pki.key('rsa1024', 1024) }),
    sha1: leaf('sha1', -30, 335, { md: 'sha1' }),
    underSoon: leaf('under-soon', -30, 300, { issuer: interSoon }),
  };
  const selfSigned = pki.issue({
    name: 'self',
    cn: 'self.test.local',
    key: leafKey,
    fromDays: -30,
    toDays: 335,
    sans: LOOPBACK_SANS,
  });
  return {
    pki,
    root,
    inter,
    interSoon,
    crossSigned,
    oldRoot,
    leaves,
    selfSigned,
    caFile: pki.bundle('trusted', [root, oldRoot]),
    oldRootOnly: pki.bundle('old-root-only', [oldRoot]),
  };
}
