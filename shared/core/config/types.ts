import * as z from '../schema/index.js';
import { compiles, noteRuntimeCheck } from './runtime-checks.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/;

/** Parses a duration like `26h`, `1h30m`, `500ms` or `7d` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** Formats milliseconds back into the shortest readable duration (`90m` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** A duration in config (`26h`, `5m`, `7d`), parsed to milliseconds. */
export const DurationSchema = z.pipe(
  z.string({ error: 'expected duration like "26h"' }),
  z.transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      return z.reject(ctx, `expected duration like "26h", got "${text}"`);
    }
    return ms;
  }),
);

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses a size like `1MiB`, `500kB` or `1024` into bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase() || 'b'];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** A size in config (`1MiB`, `200MB`, or a number of bytes), parsed to bytes. */
export const SizeSchema = z.pipe(
  z.union([z.number().check(z.int(), z.nonnegative()), z.string()]),
  z.transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const bytes = parseSize(value);
    if (bytes === undefined) {
      return z.reject(ctx, `expected size like "1MiB", got "${value}"`);
    }
    return bytes;
  }),
);

const SECRET_NAME = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;

/** A reference to a secret: an environment variable or a Secret Manager version; never the value itself. */
export const SecretRefSchema = z.union([
  z.strictObject({
    env: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')),
  }),
  z.strictObject({
    secret: z.string().check(z.regex(SECRET_NAME, 'expected "projects/P/secrets/S/versions/V"')),
  }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** A ratio threshold: a number (`0.01`) or a percentage string (`"1%"`), parsed to a ratio in (0, 1]. */
export const RatioSchema = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((value, ctx) => {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : undefined;
    const ratio = typeof value === 'number' ? value : m ? Number(m[1]) / 100 : Number.NaN;
    if (!(ratio > 0 && ratio <= 1)) {
      return z.reject(ctx, `expected a ratio in (0, 1] like 0.01 or "1%", got ${JSON.stringify(value)}`);
    }
    return ratio;
  }),
);

/** A check that a config string compiles as a regular expression (a body to match, say). */
export function compilesAsRegex() {
  return z.refine<string>((source) => {
    noteRuntimeCheck('patterns', source);
    return compiles(source);
  }, 'expected a valid regular expression');
}

/** A non-empty identifier used as a key or a name. */
export const NameSchema = z.string().check(z.minLength(1, 'expected a non-empty name'), z.maxLength(200));

/** A `string → string` label map. */
export const LabelsSchema = z.record(z.string(), z.string());
export type Labels = z.infer<typeof LabelsSchema>;
