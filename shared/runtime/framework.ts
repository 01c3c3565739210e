import { randomUUID } from 'node:crypto';
import type { CloudEvent, Request, Response } from '@google-cloud/functions-framework';
import { TooLargeError, toOpsError } from '../errors/index.js';
import { parseCloudEvent } from '../events/index.js';
import { errorReply, handleHttp, normalizeHeaders, subpathOf } from './http.js';
import type { AnyFunction, Runtime } from './runtime.js';

/** Builds (once per instance) the runtime a registered function serves with. */
export type RuntimeLoader = () => Promise<Runtime>;

/** Memoizes a runtime loader; a failed load is retried on the next request instead of being cached. */
export function memoizeRuntime(load: RuntimeLoader): RuntimeLoader {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** The functions-framework HTTP handler of one function: webhooks, manual calls, Scheduler, Pub/Sub push and binary CloudEvents. */
export function httpHandler(definition: AnyFunction, loadRuntime: RuntimeLoader) {
  return async (req: Request, res: Response): Promise<void> => {
    let runtime: Runtime;
    try {
      runtime = await loadRuntime();
    } catch (thrown) {
      const reply = errorReply(toOpsError(thrown));
      res.status(reply.status).json(reply.body);
      return;
    }
    const raw = req.rawBody ?? Buffer.from(req.body === undefined ? '' : JSON.stringify(req.body));
    if (raw.length > runtime.config.limits.body) {
      const error = new TooLargeError(
        `request body of ${raw.length} bytes is over the ${runtime.config.limits.body}-byte limit`,
      );
      runtime.reject(definition.name, error.message);
      const reply = errorReply(error);
      res.status(reply.status).json(reply.body);
      return;
    }
    const reply = await handleHttp(
      runtime,
      definition.name,
      {
        method: req.method,
        path: req.originalUrl ?? req.url,
        headers: normalizeHeaders(req.headers),
        body: raw,
      },
      subpathOf(req.path ?? ''),
    );
    if (reply.headers) res.set(reply.headers);
    res.status(reply.status).json(reply.body);
  };
}

/**
 * The functions-framework CloudEvent handler of one function (Eventarc Pub/Sub triggers). A
 * retryable failure throws so the delivery is retried; anything else is acknowledged, its result audited.
 */
export function cloudEventHandler(definition: AnyFunction, loadRuntime: RuntimeLoader) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const runtime = await loadRuntime();
    let triggers: ReturnType<typeof parseCloudEvent>['triggers'];
    let format: string;
    try {
      const intake = parseCloudEvent(event, { newId: randomUUID, now: () => runtime.now() });
      triggers = intake.triggers;
      format = intake.format;
    } catch (thrown) {
      const error = toOpsError(thrown);
      runtime.reject(definition.name, error.message, { eventId: (event as { id?: string }).id });
      // Unparseable events are nacked so they reach the dead-letter topic instead of vanishing.
      throw error;
    }
    for (const trigger of triggers) {
      const envelope = await runtime.invoke(definition.name, trigger, { format });
      const error = envelope.error;
      if (error?.retryable) throw new Error(`retryable failure: ${error.message}`);
    }
  };
}
