import type { Logger } from '../../core/audit/index.js';
import { summarizeZodIssues } from '../../core/config/index.js';
import { BadInputError, type OpsError, toOpsError } from '../../core/errors/index.js';
import type { Trigger } from '../../core/events/index.js';
import type { Context, FunctionDefinition, ResultEnvelope, RunResult } from '../../core/run/index.js';
import { safeParse } from '../../core/schema/index.js';
import type { RunOptions, Services } from './services.js';

/** One invocation of a function as the steps of its run see it. */
export interface Invocation<Input = unknown> {
  readonly definition: FunctionDefinition<Input>;
  readonly trigger: Trigger;
  readonly options: RunOptions;
  readonly services: Services;
  readonly ctx: Context;
  readonly log: Logger;
  /** The payload as the function's input schema parsed it; set by the `validate` step. */
  input: Input | undefined;
  /** This run's envelope for `result`, scrubbed of secrets and bounded: every envelope a run returns is made here. */
  envelope(result: RunResult, error?: OpsError): ResultEnvelope;
}

/**
 * A named step of every run, around the function itself (middy's `before`/`after` idea): the
 * `before`s run in order and any of them may end the run with an envelope (a rejection, a
 * duplicate); once the function ran, the `after`s of the steps that ran go in reverse order.
 */
export interface RunStep {
  readonly name: string;
  /** Whether this run takes the step; always when omitted. */
  when?(run: Invocation<unknown>): boolean;
  before?<Input>(run: Invocation<Input>): Promise<ResultEnvelope | undefined>;
  after?<Input>(run: Invocation<Input>, result: ResultEnvelope): Promise<void>;
}

function validateInput<Input>(definition: FunctionDefinition<Input>, trigger: Trigger): Input | undefined {
  if (!definition.triggers.includes(trigger.kind)) {
    throw new BadInputError(
      `${definition.name} does not accept ${trigger.kind} triggers (accepts: ${definition.triggers.join(', ')})`,
    );
  }
  if (trigger.kind === 'alert') return undefined;
  const parsed = safeParse(definition.input, trigger.payload);
  if (!parsed.success) {
    throw new BadInputError(
      `invalid ${trigger.kind} payload for ${definition.name}: ${summarizeZodIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** The run step that rejects a trigger kind the function does not take, or a payload its input schema refuses. */
export const validateStep: RunStep = {
  name: 'validate',
  async before(run) {
    const { trigger } = run;
    if (trigger.kind === 'scheduled' && trigger.deadLettered && !run.definition.deadLetters) {
      const { deliveries, subscription } = trigger.deadLettered;
      const reason = `dead-lettered after ${deliveries} failed deliveries on ${subscription}: not worked again`;
      run.log.audit({ decision: 'skipped', reason, outcome: 'skipped' });
      return run.envelope({ outcome: 'skipped', summary: reason });
    }
    try {
      run.input = validateInput(run.definition, run.trigger);
      return undefined;
    } catch (thrown) {
      const error = toOpsError(thrown);
      run.log.audit({ decision: 'rejected', reason: error.message, outcome: 'rejected' });
      return run.envelope({ outcome: 'fail', summary: error.message }, error);
    }
  },
};
