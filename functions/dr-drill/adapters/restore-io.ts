// What drDrill's production deps load on a step's first use, not at cold start: the restore, scratch-database
// and object-store adapters. Imported only through `import()` (deps.ts), so the bundler puts them in a chunk of
// their own; the steps' small helpers from the same adapters stay in the startup files.
export {
  checkRestoreClient,
  createScratchDatabase,
  dropScratchDatabase,
  listScratchDatabases,
  restoreDump,
  runAssertions,
} from '../../../shared/adapters/databases/index.js';
export { openObjectStore, writeUrl } from '../../../shared/adapters/storage/index.js';
