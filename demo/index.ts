import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { DemoEstate } from '../shared/host/cli/index.js';
import { writeDemoBackups } from './backups.js';
import { startDemoCloud } from './cloud.js';
import { demoEstate } from './estate.js';
import { kickDemo } from './kick.js';
import { demoCertificates, startTlsEndpoints } from './tls.js';

const CERT_DAYS = [3, 20, 200] as const;

/**
 * Builds the demo estate under `dir` (`.opsfn/demo/` of the checkout): TLS endpoints whose
 * certificates expire in 3, 20 and 200 days, a `file://` backup store with an intact, a truncated
 * and a stale dump, fakes of Cloud Run (with an error spike), Cloud Monitoring and Kubernetes, and
 * two operator tokens; everything on loopback, nothing to install but the openssl CLI for the certificates.
 */
export async function startDemo(dir: string): Promise<DemoEstate> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const now = new Date();
  await writeDemoBackups(join(root, 'backups'), now);
  const notes: string[] = [];
  let caFile: string | undefined;
  let endpoints: Awaited<ReturnType<typeof startTlsEndpoints>> = [];
  try {
    const pki = await demoCertificates(join(root, 'tls'), CERT_DAYS);
    caFile = pki.caFile;
    endpoints = await startTlsEndpoints(pki.leaves);
  } catch (error) {
    notes.push(
      `no TLS endpoints: the openssl CLI could not make certificates (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const cloud = await startDemoCloud(now);
  const estate = demoEstate({
    dir: root,
    caFile,
    tls: endpoints.map((e) => ({ days: e.days, port: e.port })),
    ...cloud,
  });
  const config = join(root, 'estate.yaml');
  await writeFile(
    config,
    `# Written by \`npm start\` at each start: the demo estate and the loopback fakes it points at.\n${stringify(estate)}`,
  );
  const env = { OPSFN_DEMO_ALICE: randomBytes(12).toString('hex'), OPSFN_DEMO_BOB: randomBytes(12).toString('hex') };
  return {
    config,
    env,
    banner: [
      `demo estate in ${root} (estate.yaml, backups/, tls/, reports/)`,
      `sign in to the console as alice with ${env.OPSFN_DEMO_ALICE}, or as bob with ${env.OPSFN_DEMO_BOB}`,
      ...notes,
    ],
    started: (runtime, log) => kickDemo(runtime, log, cloud.recover),
    async stop() {
      for (const e of endpoints) e.server.close();
      await cloud.stop();
    },
  };
}
