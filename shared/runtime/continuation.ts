import { DependencyError } from '../errors/index.js';
import type { Continuation } from './types.js';

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
      throw new DependencyError(`could not publish the continuation ${key} to ${topic}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
}
