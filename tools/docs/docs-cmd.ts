import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated-files.js';

// `npm run docs`: writes every generated file that is stale; `--check` only lists them and exits 1.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');
const stale = (await generatedFiles(root)).filter(
  (file) => !existsSync(join(root, file.path)) || readFileSync(join(root, file.path), 'utf8') !== file.content,
);
for (const file of stale) {
  if (!check) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  process.stdout.write(`${check ? 'stale' : 'wrote'} ${file.path}\n`);
}
if (check && stale.length > 0) process.exitCode = 1;
