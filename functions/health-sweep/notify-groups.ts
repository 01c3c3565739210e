import type { DeliveryResult } from '../../shared/core/notify/index.js';
import type { Context } from '../../shared/core/run/index.js';
import type { CheckEntry, HealthConfig } from './config.js';
import { type CheckMemory, type IncidentMemory, planGroup } from './decide.js';
import type { SweepMemory } from './memory.js';
import {
  downMessage,
  flappingMessage,
  type MessageCheck,
  moreMessage,
  recoveredMessage,
  remindMessage,
} from './messages.js';
import { HealthKeys } from './state-keys.js';
import { type CheckRun, groupOf } from './sweep-types.js';

const severityOf = (entry: CheckEntry) => (entry.kind === 'invalid' ? 'warning' : entry.severity);

/**
 * Tells people about every group a run touched: the page when it goes down, more checks failing, reminders
 * while it stays down, the recovery; and once about each check that starts flapping.
 */
export async function notifyGroups(
  ctx: Context,
  memory: SweepMemory,
  health: HealthConfig,
  entries: readonly CheckEntry[],
  runs: readonly CheckRun[],
  memories: Map<string, CheckMemory>,
): Promise<void> {
  const now = ctx.now();
  const all = health.checks;
  const byName = new Map(all.map((e) => [e.name, e]));
  const describe = (name: string): MessageCheck => {
    const entry = byName.get(name);
    return { name, severity: entry ? severityOf(entry) : 'warning', memory: memories.get(name) };
  };
  for (const run of runs.filter((r) => r.event === 'flapping')) {
    await ctx.notify(flappingMessage(describe(run.entry.name), run.memory.transitions.length, health.flapping.window));
  }
  const groups = [...new Set(runs.map((r) => groupOf(r.entry)))];
  for (const group of groups) {
    // Every check of the group counts, also those not run now: one that is still down keeps the incident open.
    const members = all.filter((e) => groupOf(e) === group);
    const unread = members.filter((e) => !entries.includes(e)).map((e) => e.name);
    for (const [name, value] of await memory.checks(unread)) memories.set(name, value);
    const open = await memory.get<IncidentMemory>(HealthKeys.incident(group));
    const plan = planGroup(
      group,
      open,
      members.map((e) => ({ name: e.name, memory: memories.get(e.name) })),
      health.remindEvery,
      now,
    );
    if (plan.kind === 'none') continue;
    // The incident is recorded (or closed) only once a channel took the message: a page no channel heard is sent
    // again by the next sweep, and a recovery no channel heard leaves the incident open until one does (a pager
    // keeps its incident open until the resolve reaches it).
    if (plan.kind === 'recovered') {
      if (heard(await ctx.notify(recoveredMessage(group, plan.closed, plan.outageMs)))) {
        await memory.delete(HealthKeys.incident(group));
      }
      continue;
    }
    const checks = plan.checks.map(describe);
    const message =
      plan.kind === 'open'
        ? downMessage(group, plan.incident, checks)
        : plan.kind === 'more'
          ? moreMessage(group, checks)
          : remindMessage(group, plan.incident, checks, now);
    if (heard(await ctx.notify(message))) await memory.put(HealthKeys.incident(group), plan.incident);
  }
}

/** Whether a message reached someone: a channel took it, or no route sends it anywhere (nothing to retry). */
const heard = (deliveries: readonly DeliveryResult[]) => deliveries.length === 0 || deliveries.some((d) => d.ok);
