import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: () => unknown;
}

/** A scripted answer: a status with body and headers, or `hang` to never answer. */
export type ScriptedReply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A loopback HTTP receiver that records requests and answers from a script, then with a default reply. */
export interface Receiver {
  url: string;
  requests: RecordedRequest[];
  /** Queues replies for the next requests, in order. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1:0; `respond` may compute the reply from the request (e.g. verify a signature). */
export async function startReceiver(
  fallback: ScriptedReply | ((request: RecordedRequest) => ScriptedReply) = { status: 200, body: 'ok' },
): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: () => JSON.parse(body),
      };
      requests.push(recorded);
      const reply = queue.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
