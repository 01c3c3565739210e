import { randomBytes } from 'node:crypto';
import { DependencyError, errorMessage } from '../../core/errors/index.js';
import type { Continuation } from '../../core/run/index.js';

/**
 * Continues work through a Pub/Sub topic: the message carries the payload as JSON data and the
 * attribute `opsfn-job: continue:<function>`, so it arrives as a scheduled trigger of that function
 * through the same Eventarc wiring as Scheduler jobs.
 */
export function pubsubContinuation(topic: string): Continuation {
  return async (functionName, key, payload) => {
    const { PubSub } = await import('@google-cloud/pubsub');
    const [, project, , name] = topic.split('/');
    if (!project || !name)
      throw new DependencyError(`OPSFN_CONTINUATION_TOPIC must be projects/P/topics/T, got "${topic}"`);
    try {
      await new PubSub({ projectId: project }).topic(name).publishMessage({
        json: payload,
        attributes: { 'opsfn-job': `continue:${functionName}`, 'opsfn-continue': key },
      });
    } catch (error) {
      throw new DependencyError(`could not publish the continuation ${key} to ${topic}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  };
}

/**
 * The key a continuation is sent under: the caller's key plus a random suffix. The key is the next
 * invocation's idempotency identity; one a caller could predict (`<drill>:approved`) could be claimed
 * first by a forged message, and the real continuation would be dropped as a duplicate. A
 * redelivery of the same message keeps its key and still runs once.
 */
export function continuationKey(key: string): string {
  return `${key}:${randomBytes(8).toString('hex')}`;
}
