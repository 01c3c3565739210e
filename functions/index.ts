import * as framework from '@google-cloud/functions-framework';
import { loadConfig } from '../shared/config/load.js';
import { cloudEventHandler, httpHandler, memoizeRuntime } from '../shared/runtime/framework.js';
import { createRuntime } from '../shared/runtime/runtime.js';
import { functions } from './registry.js';

// The composition root of a deployed instance: one runtime, built on the first request from OPSFN_CONFIG.
const loadRuntime = memoizeRuntime(async () => createRuntime({ config: await loadConfig(), functions }));

for (const definition of functions) {
  framework.http(definition.name, httpHandler(definition, loadRuntime));
  framework.cloudEvent(`${definition.name}Event`, cloudEventHandler(definition, loadRuntime));
}
