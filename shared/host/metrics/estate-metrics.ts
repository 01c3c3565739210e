import { Gauge, type Registry } from 'prom-client';
import type { Estate } from '../../core/config/index.js';
import type { StateStore } from '../../core/state/index.js';
import type { HistoryEntry } from '../runtime/index.js';
import { backupRows, certRows, healthMatrix, lastDrillMeasures, readControls } from '../views/index.js';

/** Where the estate gauges read from at each scrape. */
export interface EstateSource {
  config: Estate;
  /** The state store, once the process has one. */
  state(): StateStore | undefined;
  functions: readonly string[];
  now(): Date;
  /** The kept runs of a function, newest first. */
  history(fn: string): readonly HistoryEntry[];
}

type Labels = Record<string, string>;

function gauge(registry: Registry, name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      // Rebuilt at every scrape from the newest runs, so a target gone from the estate goes from the series.
      this.reset();
      fill(this);
    },
  });
}

/** Registers the gauges that describe the estate as the newest runs saw it: certificates, backups, health, drills, controls. */
export function estateMetrics(registry: Registry, source: EstateSource): void {
  const set = (g: Gauge, labels: Labels, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) g.set(labels, value);
  };
  gauge(
    registry,
    'opsfn_certificate_expiry_seconds',
    'Seconds until the certificate presented at an endpoint address expires.',
    ['endpoint', 'address'],
    (g) => {
      for (const row of certRows(source.history('certExpiry'), source.now())) {
        set(g, { endpoint: row.endpoint, address: row.address ?? '' }, row.secondsLeft);
      }
    },
  );
  const backups = () => backupRows(source.history('backupVerify'), source.now());
  gauge(registry, 'opsfn_backup_age_seconds', 'Age of the newest backup, by backup.', ['backup'], (g) => {
    for (const row of backups()) set(g, { backup: row.name }, row.ageSeconds);
  });
  gauge(registry, 'opsfn_backup_size_bytes', 'Size of the newest backup object, by backup.', ['backup'], (g) => {
    for (const row of backups()) set(g, { backup: row.name }, row.bytes);
  });
  gauge(
    registry,
    'opsfn_backup_ok',
    '1 when the last verification of a backup passed (ok or warn), else 0.',
    ['backup'],
    (g) => {
      for (const row of backups()) g.set({ backup: row.name }, row.status === 'fail' ? 0 : 1);
    },
  );
  gauge(
    registry,
    'opsfn_backup_rpo_seconds',
    'The recovery point objective configured for a backup.',
    ['backup'],
    (g) => {
      for (const [name, backup] of Object.entries(source.config.backups)) set(g, { backup: name }, backup.rpo / 1000);
    },
  );
  const health = () => healthMatrix(source.history('healthSweep')).rows;
  // A remembered item carries the status of the run before (what the check is, as far as anyone knows) but no
  // latency: that is the newest sweep that ran the check.
  const newestRan = (row: ReturnType<typeof health>[number]) =>
    row.cells.find((c) => c !== undefined && c.status !== 'skipped');
  const newestMeasured = (row: ReturnType<typeof health>[number]) =>
    row.cells.find((c) => c !== undefined && c.status !== 'skipped' && c.remembered === undefined);
  gauge(
    registry,
    'opsfn_health_up',
    '1 when a health check passed (ok or warn) in the newest sweep that ran it, 0 when it failed.',
    ['check', 'kind', 'service'],
    (g) => {
      for (const row of health()) {
        const cell = newestRan(row);
        if (cell)
          g.set({ check: row.check, kind: row.kind, service: row.service ?? '' }, cell.status === 'fail' ? 0 : 1);
      }
    },
  );
  gauge(
    registry,
    'opsfn_health_latency_seconds',
    'How long a health check took in the newest sweep that ran it.',
    ['check'],
    (g) => {
      for (const row of health()) {
        const ms = newestMeasured(row)?.latencyMs;
        set(g, { check: row.check }, ms === undefined ? undefined : ms / 1000);
      }
    },
  );
  const drills = () => lastDrillMeasures(source.history('drDrill'));
  const drillGauge = (name: string, help: string, pick: (m: ReturnType<typeof drills>[number]) => number | undefined) =>
    gauge(registry, name, help, ['plan'], (g) => {
      for (const m of drills()) set(g, { plan: m.plan }, pick(m));
    });
  drillGauge('opsfn_drill_rto_seconds', 'Recovery time the last drill of a plan measured.', (m) => m.rto);
  drillGauge('opsfn_drill_rpo_seconds', 'Recovery point the last drill of a plan measured.', (m) => m.rpo);
  drillGauge('opsfn_drill_rto_target_seconds', 'The recovery time objective of a drill plan.', (m) => m.targets.rto);
  drillGauge('opsfn_drill_rpo_target_seconds', 'The recovery point objective of a drill plan.', (m) => m.targets.rpo);
  controlGauges(registry, source);
}

function controlGauges(registry: Registry, source: EstateSource): void {
  const read = async () => {
    const state = source.state();
    return state ? readControls(state, source.functions, source.config.guard, source.now()) : undefined;
  };
  new Gauge({
    name: 'opsfn_breaker_open',
    help: '1 while the circuit breaker refuses every action; absent when the state store cannot be read.',
    registers: [registry],
    async collect() {
      this.reset();
      const controls = await read().catch(() => undefined);
      if (controls) this.set(controls.breaker.open ? 1 : 0);
    },
  });
  new Gauge({
    name: 'opsfn_paused',
    help: '1 while a function is paused by the kill switch (opsfn pause).',
    labelNames: ['function'],
    registers: [registry],
    async collect() {
      this.reset();
      const controls = await read().catch(() => undefined);
      if (!controls) return;
      for (const fn of source.functions) {
        this.set({ function: fn }, controls.pausedAll || controls.paused[fn] ? 1 : 0);
      }
    },
  });
}
