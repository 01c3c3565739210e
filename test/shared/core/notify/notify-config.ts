import { type NotifyConfig, NotifyConfigSchema } from '../../../../shared/core/config/sections/estate-common.js';
import type { SecretRef } from '../../../../shared/core/config/types.js';
import type { Sleep } from '../../../../shared/core/notify/retry.js';

/** Parses a notify section the way the estate loader does, so defaults and durations apply. */
export function notifyConfig(input: unknown): NotifyConfig {
  return NotifyConfigSchema.parse(input);
}

/** A secret resolver over a fixed map of environment names; unknown names fail like a missing variable. */
export function secretsFrom(values: Record<string, string>): (ref: SecretRef) => Promise<string> {
  return async (ref) => {
    const name = 'env' in ref ? ref.env : ref.secret;
    const value = values[name];
    if (value === undefined) throw new Error(`secret ${name} is not set`);
    return value;
  };
}

/** A sleep that returns at once and records every delay asked for. */
export function recordingSleep(): Sleep & { delays: number[] } {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return Object.assign(sleep, { delays });
}

/** A fixed clock. */
export const fixedNow = () => new Date('2026-11-22T03:00:00.000Z');
