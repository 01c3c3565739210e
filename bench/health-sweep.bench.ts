import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EstateSchema } from '../functions/estate.js';
import { createHealthSweep } from '../functions/health-sweep/handler.js';
import type { SweepItem } from '../functions/health-sweep/sweep-types.js';
import { MemoryStateStore } from '../shared/core/state/memory.js';
import { runFunction } from '../shared/host/runtime/invoke.js';
import { freePort, type LocalProcess, startReadyServer } from '../test/support/local-process.js';
import { timed } from './measure.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const CHECKS = SMOKE ? 200 : 1_000;
const PORTS = 50;
// Two server processes, one per core of the target machine, so the servers are not what is measured.
const SERVER_PROCESSES = 2;
const CONCURRENCY = 64;
const ROUNDS = SMOKE ? 2 : 5;
const HERE = dirname(fileURLToPath(import.meta.url));
const BLACKBOX = 'prometheus-blackbox-exporter';

/** The targets, in their own process: plain loopback servers answering `/health` with 200 "ok". */
async function serve(): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < PORTS / SERVER_PROCESSES; i++) {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as { port: number }).port);
  }
  process.send?.(ports);
}

/** blackbox_exporter's http prober, one `/probe` per target, driven at the same concurrency. */
async function blackboxSweep(base: string, urls: string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let ok = 0;
  let next = 0;
  const probe = (url: string) =>
    new Promise<void>((resolve) => {
      const path = `/probe?module=http_2xx&target=${encodeURIComponent(url)}`;
      const req = request(`${base}${path}`, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          if (/^probe_success 1$/m.test(body)) ok++;
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < urls.length) await probe(urls[next++] as string);
    }),
  );
  agent.destroy();
  return ok;
}

function startBlackbox(): Promise<LocalProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'opsfn-blackbox-'));
  writeFileSync(
    join(dir, 'blackbox.yml'),
    'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n',
  );
  return freePort().then((port) =>
    startReadyServer(
      BLACKBOX,
      [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      dir,
      port,
    ),
  );
}

/** Runs healthSweep and blackbox_exporter against the same loopback targets, prints the ratio and the memory. */
export async function main(): Promise<Record<string, unknown>> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const children = Array.from({ length: SERVER_PROCESSES }, () =>
    fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' }),
  );
  let blackbox: LocalProcess | undefined;
  try {
    const ports = (
      await Promise.all(children.map((c) => new Promise<number[]>((r) => c.once('message', (m) => r(m as number[])))))
    ).flat();
    const urls = Array.from({ length: CHECKS }, (_, i) => `http://127.0.0.1:${ports[i % ports.length]}/health?i=${i}`);
    blackbox = await startBlackbox();
    const config = EstateSchema.parse({
      estate: 'bench',
      health: {
        concurrency: CONCURRENCY,
        checks: urls.map((url, i) => ({ name: `http-${i}`, kind: 'http', url, timeout: '5s' })),
      },
    });
    const state = new MemoryStateStore();
    const definition = createHealthSweep();
    let round = 0;
    const sweep = async () => {
      const trigger = {
        kind: 'scheduled' as const,
        id: `bench:${round++}`,
        job: 'health-sweep',
        scheduledAt: '',
        payload: {},
      };
      const envelope = await runFunction(definition, trigger, { config, state, logSink: () => {} });
      return (envelope.items as SweepItem[]).filter((i) => i.status === 'ok').length;
    };
    // Warm both: connections, JIT, the exporter's first probes.
    await sweep();
    await blackboxSweep(blackbox.url, urls.slice(0, 100));
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: number[] = [];
    const heap: number[] = [];
    const kept: number[] = [];
    const rss: number[] = [];
    let okOurs = 0;
    let okTheirs = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await timed(sweep);
      ours.push(a.ms);
      oursCpu.push(a.cpuMs);
      okOurs = a.value;
      const b = await timed(() => blackboxSweep(blackbox?.url ?? '', urls));
      theirs.push(b.ms);
      okTheirs = b.value;
      gc();
      kept.push(process.memoryUsage().heapUsed);
      // The runtime keeps each envelope as the run's idempotency record for 7 days; without those records
      // what is left is the sweep's own memory (check memories, agents, caches).
      for (const key of await state.keys('idem:')) await state.delete(key);
      gc();
      heap.push(process.memoryUsage().heapUsed);
      rss.push(process.memoryUsage().rss);
    }
    const oursMs = Math.min(...ours);
    const theirsMs = Math.min(...theirs);
    const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    const result = {
      checks: CHECKS,
      concurrency: CONCURRENCY,
      ok: { healthSweep: okOurs, blackbox: okTheirs },
      healthSweepMs: Math.round(oursMs),
      blackboxMs: Math.round(theirsMs),
      ratio: Number((oursMs / theirsMs).toFixed(2)),
      target: { ratio: 1 },
      clientCpuMs: Math.round(Math.min(...oursCpu)),
      rounds: { healthSweepMs: ours.map(Math.round), blackboxMs: theirs.map(Math.round) },
      heapAfterGcMiB: heap.map(mib),
      rssMiB: rss.map(mib),
      heapGrowthMiB: mib((heap.at(-1) ?? 0) - (heap[0] ?? 0)),
      idempotencyRecordsMiBPerRun: mib(((kept.at(-1) ?? 0) - (heap.at(-1) ?? 0)) / 1),
      node: process.version,
      at: new Date().toISOString(),
    };
    console.log(
      `healthSweep: ${CHECKS} HTTP checks in ${result.healthSweepMs} ms (${okOurs} ok), concurrency ${CONCURRENCY}`,
    );
    console.log(`blackbox_exporter http prober: ${CHECKS} probes in ${result.blackboxMs} ms (${okTheirs} ok)`);
    console.log(`healthSweep time / blackbox_exporter time: ${result.ratio} (target <= 1.0)`);
    console.log(
      `heap after GC per round (MiB): ${result.heapAfterGcMiB.join(', ')}; growth ${result.heapGrowthMiB} MiB`,
    );
    console.log(
      `one run's idempotency record (its envelope, kept 7 days by the runtime): ${result.idempotencyRecordsMiBPerRun} MiB`,
    );
    console.log(`RSS per round (MiB): ${result.rssMiB.join(', ')}`);
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(join(HERE, 'results', 'health-sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const child of children) child.kill();
    await blackbox?.stop();
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
