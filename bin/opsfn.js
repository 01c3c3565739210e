#!/usr/bin/env node
// The CLI runs from the build output: the bundle `npm run build` writes (a few files to read, so commands start
// fast), else the compiled modules (an image built with tsc alone). `npm ci` builds it (the `prepare` script).
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/cli/opsfn.js', import.meta.url);
const entry = existsSync(bundled) ? bundled : new URL('../dist/functions/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('opsfn: not built yet; run "npm run build" in the opsfn checkout\n');
  process.exit(2);
}
const { run } = await import(entry.href);
process.exitCode = await run(process.argv.slice(2));
