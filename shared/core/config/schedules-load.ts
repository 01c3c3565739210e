import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from './errors.js';
import { type Schedule, ScheduleSchema } from './schedule.js';
import { formatZodIssues } from './zod-issues.js';

/** Loads and validates every `*.yaml` job in `dir`; a job's `name` must equal its file name. */
export async function loadSchedules(dir: string): Promise<Schedule[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const jobs: Schedule[] = [];
  // Loaded here, not at import: a deployed function never reads schedules, and the parser is heavy.
  const { parse } = await import('yaml');
  for (const file of files) {
    const source = join(dir, file);
    const parsed = ScheduleSchema.safeParse(parse(await readFile(source, 'utf8')));
    if (!parsed.success) throw new ConfigError(source, formatZodIssues(parsed.error));
    const stem = basename(file).replace(/\.ya?ml$/, '');
    if (parsed.data.name !== stem)
      throw new ConfigError(source, [`name: expected "${stem}" (the file name), got "${parsed.data.name}"`]);
    jobs.push(parsed.data);
  }
  return jobs;
}
