import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const HOUR = 3_600_000;

function pgDump(table: string, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `${i + 1}\tcustomer-${(i * 7919) % 1000}\t${(i * 13) % 500}.00`);
  return [
    '-- PostgreSQL database dump',
    '',
    `CREATE TABLE public.${table} (id integer PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL);`,
    `COPY public.${table} (id, customer, total) FROM stdin;`,
    ...lines,
    '\\.',
    '',
    '-- PostgreSQL database dump complete',
    '',
  ].join('\n');
}

async function dump(dir: string, name: string, body: Buffer, takenAt: Date): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, name);
  await writeFile(file, body);
  await utimes(file, takenAt, takenAt);
}

/**
 * A `file://` backup store with three backups: `orders`, intact and two hours old; `invoices`, whose
 * newest dump was cut off mid-stream; `audit`, intact but three days old, past its 26 h RPO.
 */
export async function writeDemoBackups(root: string, now: Date): Promise<void> {
  await rm(root, { recursive: true, force: true });
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * HOUR);
  for (const day of [3, 2, 1]) {
    await dump(
      join(root, 'orders'),
      `orders-${day}.sql.gz`,
      gzipSync(pgDump('orders', 4000 + day * 150)),
      at(day * 24 + 2),
    );
    await dump(join(root, 'invoices'), `invoices-${day}.sql.gz`, gzipSync(pgDump('invoices', 3000)), at(day * 24 + 1));
  }
  await dump(join(root, 'orders'), 'orders-0.sql.gz', gzipSync(pgDump('orders', 4600)), at(2));
  const whole = gzipSync(pgDump('invoices', 3000));
  await dump(join(root, 'invoices'), 'invoices-0.sql.gz', whole.subarray(0, Math.floor(whole.length / 2)), at(1));
  await dump(join(root, 'audit'), 'audit-0.sql.gz', gzipSync(pgDump('audit_log', 2000)), at(72));
}
