import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withGuardrailTable } from '../../shared/core/guard/index.js';

// Rewrites the guardrail table of the guard's README from the guardrail list itself.
const readme = fileURLToPath(new URL('../../shared/core/guard/README.md', import.meta.url));
writeFileSync(readme, withGuardrailTable(readFileSync(readme, 'utf8')));
