import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startFakeGcs } from '../test/fakes/gcs.js';
import { type BundleOptions, type BundleReport, buildBundles, directoryBytes } from '../tools/bundle/bundle-cmd.js';
import { COMPILE_CACHE_DIR, COMPILE_CACHE_SCRIPT, freePort, HAS_COMPILE_CACHE } from '../tools/bundle/compile-cache.js';
import {
  DEPLOYED_ESTATE_YAML,
  deployedEstateEnv,
  deployedEstateJson,
  ONCALL_HEADERS,
  PROBE_BODY,
} from './fixtures/deployed-estate.js';
import { median } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FRAMEWORK_MAIN = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
const BASELINE = join(ROOT, 'bench', 'fixtures', 'googleapis-baseline');
const FLOOR = join(ROOT, 'bench', 'fixtures', 'framework-floor');
/** What a start that takes the estate its bundle carries logs. */
const CARRIED = /the config is the estate validated when this bundle was built/;
/** What Terraform sets on every function: the cache its deploy step wrote, relative to the source (the runtime's cwd). */
const COMPILE_CACHE_ENV = { NODE_COMPILE_CACHE: COMPILE_CACHE_DIR };
/** Each bundle within this factor of the floor's time (an empty functions-framework function)… */
const TARGET_TIME_RATIO = 1.2;
/** …and within this many MiB of its peak memory. */
const TARGET_RSS_OVER_FLOOR_MIB = 5;

/** One cold start: process spawn → first served response, and the process's peak RSS then. */
export interface ColdStart {
  ms: number;
  rssMiB: number;
  status: number;
  body: string;
  /** The last characters the process printed (its logs) up to the response: `outputChars`, 16,000 by default. */
  output: string;
}

/** What to serve: a functions-framework source directory and its target. */
export interface ServeSpec {
  source: string;
  target: string;
  env?: NodeJS.ProcessEnv;
  /** The request body; an empty manual trigger by default. */
  body?: string;
  /** Headers sent besides `content-type` (a bearer token). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** How much of what the process printed to keep (the last characters); 16,000 by default. */
  outputChars?: number;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Starts functions-framework on `spec` in a fresh node process, POSTs one request as soon as it listens, stops it. */
export async function measureColdStart(spec: ServeSpec): Promise<ColdStart> {
  const port = await freePort();
  let output = '';
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [FRAMEWORK_MAIN, `--target=${spec.target}`, `--source=${spec.source}`, `--port=${port}`],
    { cwd: spec.source, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-(spec.outputChars ?? 16_000));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${spec.target} exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`${spec.target} served nothing within the deadline:\n${output}`);
      let response: Response;
      try {
        response = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...spec.headers },
          body: spec.body ?? '{}',
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        // Not listening yet: the framework binds only after the function module has loaded.
        await new Promise((wait) => setTimeout(wait, 5));
        continue;
      }
      const body = await response.text();
      const ms = performance.now() - started;
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return { ms, rssMiB: peakKiB / 1024, status: response.status, body, output };
    }
  } finally {
    await stop(child);
  }
}

/** One line of the report: medians, and for a function bundle whether it met the targets. */
export interface ColdStartRow {
  subject: string;
  runs: number;
  medianMs: number;
  medianRssMiB: number;
  maxRssMiB: number;
  bundleKiB?: number;
  /** Baseline median time over this subject's. */
  speedup: number;
  /** This subject's median time over the framework floor's. */
  overFloor: number;
  /** Over the floor given the same compile cache, where this Node has one: the like-for-like ratio. */
  overCachedFloor?: number;
  /** This subject's median peak RSS minus the framework floor's, MiB. */
  rssOverFloorMiB: number;
  reference?: boolean;
  fastEnough?: boolean;
  smallEnough?: boolean;
}

/**
 * Whether the function itself answered: a result envelope naming it, run or refused (an empty manual
 * payload is invalid for some functions, which still loaded their runtime and config to say so).
 */
export function answered(sample: ColdStart, target: string): boolean {
  if (sample.status !== 200 && sample.status !== 400) return false;
  try {
    return (JSON.parse(sample.body) as { function?: unknown }).function === target;
  } catch {
    return false;
  }
}

interface Subject {
  label: string;
  spec: ServeSpec;
  diskBytes?: number;
  samples: ColdStart[];
  reference?: boolean;
  /** Whether the bundle takes the estate it carries (a start that validated it would measure something else). */
  carried?: boolean;
  /** Whether its start reads the compile cache its deploy step wrote (checked before the timed starts). */
  compileCache?: boolean;
}

/**
 * A bundle's deploy step as the Cloud Functions build runs it (its `gcp-build`, on the Node it will run on),
 * which writes its compile cache. Throws with the step's output when it warns or fails.
 */
function deployStep(dir: string, target: string): void {
  const step = spawnSync(process.execPath, [COMPILE_CACHE_SCRIPT, target], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (step.status !== 0 || /WARNING/.test(step.stdout + step.stderr)) {
    throw new Error(`${dir}: its deploy step (${COMPILE_CACHE_SCRIPT}) failed:\n${step.stdout}${step.stderr}`);
  }
}

/** The files a start compiled instead of reading them from the compile cache, from Node's compile-cache log. */
export function compileCacheMisses(log: string): { accepted: number; missed: string[] } {
  const accepted = log.match(/\[compile cache\] cache for .+? was accepted/g)?.length ?? 0;
  // Node says `was rejected` for an entry it read and could not use, `was not initialized` for one it had none of.
  const missed = [...log.matchAll(/\[compile cache\] cache for (.+?) was (?:rejected|not initialized)/g)].map(
    (m) => m[1] as string,
  );
  return { accepted, missed };
}

/** One start with Node's compile-cache log on: throws unless every file it compiled came from the cache. */
async function checkCompileCache(subject: Subject): Promise<void> {
  const sample = await measureColdStart({
    ...subject.spec,
    env: { ...subject.spec.env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
    outputChars: 4_000_000,
  });
  const { accepted, missed } = compileCacheMisses(sample.output);
  if (accepted === 0 || missed.length > 0) {
    throw new Error(
      `${subject.label}: did not start from its compile cache (${accepted} files read from it; compiled: ${missed.slice(0, 5).join(', ') || 'none'})`,
    );
  }
}

/**
 * `buildBundles` as a deployer runs it: on `OPSFN_BENCH_BUILD_NODE` when the bench runs on another Node
 * (`--node 22`: bundles built on this machine's Node, served on the runtime's), so a start checks the carried
 * estate's time zones as a deployed one does; in this process otherwise.
 */
async function buildAsDeployed(options: BundleOptions): Promise<BundleReport[]> {
  const node = process.env.OPSFN_BENCH_BUILD_NODE;
  if (!node || node === process.execPath) return buildBundles(options);
  const script = [
    `import { buildBundles } from ${JSON.stringify(pathToFileURL(join(ROOT, 'tools', 'bundle', 'bundle-cmd.ts')).href)};`,
    `const reports = await buildBundles(${JSON.stringify(options)});`,
    'process.stdout.write(JSON.stringify(reports));',
  ].join('\n');
  const built = spawnSync(node, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (built.status !== 0) throw new Error(`building the bundles on ${node} failed:\n${built.stderr}`);
  return JSON.parse(built.stdout) as BundleReport[];
}

/** Runs the benchmark: `--smoke` for one run each, `--runs N` otherwise (default 5). */
export async function main(args: string[] = process.argv.slice(2)) {
  const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const runsArg = args.indexOf('--runs');
  const runs = smoke ? 1 : Math.max(1, Number(runsArg >= 0 ? args[runsArg + 1] : 5) || 5);
  // As Terraform deploys it: the whole estate uploaded as JSON (terraform/main.tf), read without a YAML parser,
  // and the on-call engineer's request, which each function refuses by its payload after the config and auth.
  const yamlConfig = DEPLOYED_ESTATE_YAML;
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const jsonConfig = join(ROOT, 'bench', 'results', 'deployed.json');
  await writeFile(jsonConfig, deployedEstateJson());
  const env = deployedEstateEnv(jsonConfig);
  // The same estate with its state in memory: what the bundle costs apart from the Redis client.
  const memoryConfig = join(ROOT, 'bench', 'results', 'deployed-memory-state.json');
  await writeFile(memoryConfig, deployedEstateJson({ state: 'memory' }));
  const request = { headers: ONCALL_HEADERS, body: PROBE_BODY };
  // As the deployment builds them (`npm run bundle -- --estate`): each carries the estate, validated at build time.
  // Built under bench/results, as a deployer would under dist/bundles: the deploy step below writes each cache there.
  const bundles = await buildAsDeployed({
    root: ROOT,
    outDir: join(ROOT, 'bench', 'results', 'bundles'),
    estate: yamlConfig,
  });
  const subjects: Subject[] = [
    { label: 'googleapis baseline', spec: { source: BASELINE, target: 'baseline', env }, samples: [] },
    // Shown so the figures can be read against what functions-framework alone costs.
    { label: 'framework floor', spec: { source: FLOOR, target: 'floor', env }, samples: [], reference: true },
  ];
  for (const bundle of bundles) {
    subjects.push({
      label: bundle.name,
      spec: { source: bundle.dir, target: bundle.name, env: { ...env, ...COMPILE_CACHE_ENV }, ...request },
      diskBytes: await directoryBytes(bundle.dir),
      samples: [],
      carried: true,
      compileCache: HAS_COMPILE_CACHE,
    });
  }
  // Built for that estate as its deployment would be, so these rows differ from the first by the state store only.
  const memoryBundles = await buildAsDeployed({
    root: ROOT,
    outDir: join(ROOT, 'bench', 'results', 'bundles-memory-state'),
    estate: memoryConfig,
  });
  for (const bundle of memoryBundles) {
    subjects.push({
      label: `${bundle.name} (memory state)`,
      spec: {
        source: bundle.dir,
        target: bundle.name,
        env: { ...env, ...COMPILE_CACHE_ENV, OPSFN_CONFIG: memoryConfig },
        ...request,
      },
      samples: [],
      carried: true,
      compileCache: HAS_COMPILE_CACHE,
    });
  }
  // The deploy step each bundle's build runs after the upload (sizes above are the upload's).
  for (const bundle of [...bundles, ...memoryBundles]) deployStep(bundle.dir, bundle.name);
  // As deployed, the config comes from gs:// (here the GCS fake); shown for one bundle beside the file-config rows.
  const gcs = await startFakeGcs();
  gcs.createBucket('estate');
  gcs.buckets.get('estate')?.set('opsfn.json', {
    body: readFileSync(jsonConfig),
    contentType: 'application/json',
    generation: 1,
    updated: new Date(),
  });
  const deployed = bundles.find((b) => b.name === 'rollback') ?? bundles[0];
  if (deployed) {
    subjects.push({
      label: `${deployed.name} (gs:// config)`,
      spec: {
        source: deployed.dir,
        target: deployed.name,
        env: { ...env, ...COMPILE_CACHE_ENV, OPSFN_CONFIG: 'gs://estate/opsfn.json', STORAGE_EMULATOR_HOST: gcs.url },
        ...request,
      },
      samples: [],
      carried: true,
      compileCache: HAS_COMPILE_CACHE,
    });
    // The same bundle given an estate other than the one it was built with: validated at start, its schemas loaded.
    subjects.push({
      label: `${deployed.name} (another estate)`,
      spec: {
        source: deployed.dir,
        target: deployed.name,
        env: { ...env, ...COMPILE_CACHE_ENV, OPSFN_CONFIG: memoryConfig },
        ...request,
      },
      samples: [],
      compileCache: HAS_COMPILE_CACHE,
    });
    // The same bundle reading the YAML itself: what loading the YAML parser costs.
    subjects.push({
      label: `${deployed.name} (YAML config)`,
      spec: {
        source: deployed.dir,
        target: deployed.name,
        env: { ...env, ...COMPILE_CACHE_ENV, OPSFN_CONFIG: yamlConfig },
        ...request,
      },
      samples: [],
      carried: true,
      compileCache: HAS_COMPILE_CACHE,
    });
    if (HAS_COMPILE_CACHE) {
      // Deployed without NODE_COMPILE_CACHE, or started on a Node other than the build's: what the cache saves.
      subjects.push({
        label: `${deployed.name} (no compile cache)`,
        spec: { source: deployed.dir, target: deployed.name, env, ...request },
        samples: [],
        carried: true,
      });
    }
  }
  if (HAS_COMPILE_CACHE) {
    // The floor given the same deploy step: what the cache does for functions-framework alone, for reference.
    const cachedFloor = join(ROOT, 'bench', 'results', 'framework-floor-compile-cache');
    await rm(cachedFloor, { recursive: true, force: true });
    await cp(FLOOR, cachedFloor, { recursive: true });
    await cp(join((bundles[0] as BundleReport).dir, COMPILE_CACHE_SCRIPT), join(cachedFloor, COMPILE_CACHE_SCRIPT));
    deployStep(cachedFloor, 'floor');
    subjects.splice(2, 0, {
      label: 'floor (compile cache)',
      spec: { source: cachedFloor, target: 'floor', env: { ...env, ...COMPILE_CACHE_ENV } },
      samples: [],
      reference: true,
      compileCache: true,
    });
  }
  for (const subject of subjects) if (subject.compileCache) await checkCompileCache(subject);
  // Round-robin, so a burst of load on the machine hurts every subject alike rather than one.
  try {
    for (let run = 0; run < runs; run++) {
      for (const subject of subjects) {
        const sample = await measureColdStart(subject.spec);
        if (!answered(sample, subject.spec.target)) {
          throw new Error(`${subject.label}: HTTP ${sample.status} ${sample.body.slice(0, 300)}`);
        }
        if (subject.carried && !CARRIED.test(sample.output)) {
          const why = /the config was validated at start: [^"]*/.exec(sample.output)?.[0] ?? 'no line says why';
          throw new Error(`${subject.label}: did not take the estate its bundle carries (${why})`);
        }
        // A deployed start says whether it read the cache (the floor, not opsfn, says nothing).
        if (subject.compileCache && !subject.reference && !sample.output.includes('"compileCache":"read"')) {
          throw new Error(`${subject.label}: did not say it read its compile cache`);
        }
        subject.samples.push(sample);
      }
    }
  } finally {
    await gcs.stop();
  }
  const baseline = subjects[0] as Subject;
  const baselineMs = median(baseline.samples.map((s) => s.ms));
  const floor = subjects[1] as Subject;
  const floorMs = median(floor.samples.map((s) => s.ms));
  const floorRssMiB = median(floor.samples.map((s) => s.rssMiB));
  const cachedFloor = subjects.find((s) => s.label === 'floor (compile cache)');
  const cachedFloorMs = cachedFloor ? median(cachedFloor.samples.map((s) => s.ms)) : undefined;
  const rows = subjects.map((subject): ColdStartRow => {
    const ms = median(subject.samples.map((s) => s.ms));
    const rssMiB = median(subject.samples.map((s) => s.rssMiB));
    const speedup = baselineMs / ms;
    return {
      subject: subject.label,
      runs: subject.samples.length,
      medianMs: Math.round(ms),
      medianRssMiB: Number(rssMiB.toFixed(1)),
      maxRssMiB: Number(Math.max(...subject.samples.map((s) => s.rssMiB)).toFixed(1)),
      ...(subject.diskBytes === undefined ? {} : { bundleKiB: Math.round(subject.diskBytes / 1024) }),
      speedup: Number(speedup.toFixed(2)),
      overFloor: Number((ms / floorMs).toFixed(2)),
      ...(cachedFloorMs === undefined ? {} : { overCachedFloor: Number((ms / cachedFloorMs).toFixed(2)) }),
      rssOverFloorMiB: Number((rssMiB - floorRssMiB).toFixed(1)),
      ...(subject === baseline || subject.reference
        ? { reference: true }
        : {
            fastEnough: ms <= floorMs * TARGET_TIME_RATIO,
            smallEnough: rssMiB <= floorRssMiB + TARGET_RSS_OVER_FLOOR_MIB,
          }),
    };
  });
  const builder = process.env.OPSFN_BENCH_BUILD_NODE;
  const builtOn =
    builder && builder !== process.execPath
      ? `; bundles built on node ${spawnSync(builder, ['--version'], { encoding: 'utf8' }).stdout.trim()}`
      : '';
  console.log(
    `cold start, process spawn → first served response (median of ${runs}; node ${process.version}${builtOn})`,
  );
  for (const row of rows) {
    const verdict =
      row.fastEnough === undefined
        ? 'reference'
        : `${row.fastEnough ? 'ok' : 'MISSED'} ≤${TARGET_TIME_RATIO}× floor, ${row.smallEnough ? 'ok' : 'MISSED'} ≤ floor+${TARGET_RSS_OVER_FLOOR_MIB} MiB`;
    console.log(
      `  ${row.subject.padEnd(28)} ${String(row.medianMs).padStart(6)} ms  ${row.medianRssMiB.toFixed(1).padStart(6)} MiB` +
        `  ${row.overFloor.toFixed(2).padStart(5)}× floor  +${row.rssOverFloorMiB.toFixed(1).padStart(4)} MiB` +
        (row.overCachedFloor === undefined ? '' : `  ${row.overCachedFloor.toFixed(2).padStart(5)}× cached floor`) +
        `  ${verdict}`,
    );
  }
  const targets = { timeOverFloor: TARGET_TIME_RATIO, rssOverFloorMiB: TARGET_RSS_OVER_FLOOR_MIB };
  const report = {
    bench: 'cold-start',
    at: new Date().toISOString(),
    node: process.version,
    smoke,
    runs,
    targets,
    rows,
  };
  const out = join(ROOT, 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'cold-start.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
