import type { FunctionDefinition } from './types.js';

/** Declares an ops function; the runtime does intake, validation, auth, idempotency, audit and the envelope. */
export function defineFunction<Input>(definition: FunctionDefinition<Input>): FunctionDefinition<Input> {
  if (!/^[a-z][A-Za-z0-9]*$/.test(definition.name)) {
    throw new Error(`function name "${definition.name}" must be camelCase`);
  }
  return definition;
}
