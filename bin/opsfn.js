#!/usr/bin/env node
// The CLI runs from the compiled output; `npm ci` builds it (the `prepare` script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/functions/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('opsfn: not built yet; run "npm run build" in the opsfn checkout\n');
  process.exit(2);
}
const { run } = await import(entry.href);
process.exitCode = await run(process.argv.slice(2));
