import { composeEstateSchema } from '../shared/core/config/index.js';
import { runJobProcess } from '../shared/host/jobs/index.js';

// The composition root of a job's process (a Cloud Run Job task, or a child of `opsfn`): the estate's common
// part checked, the functions' sections taken as written; a task reads only the config paths it names.
process.exitCode = await runJobProcess({ schema: composeEstateSchema([], {}, { unchecked: 'any' }) });
