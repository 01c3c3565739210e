import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request as a fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

/** What a fake answers. */
export interface FakeReply {
  status: number;
  body?: unknown;
}

/**
 * A scripted failure: an HTTP status, or a hang that never answers (`reset`: the connection is closed instead);
 * with `handled`, the request is acted on first (the route runs) and only its answer is lost, as when a connection
 * drops after the server took the request.
 */
export type ScriptedFailure = FakeReply | { hang: true; handled?: boolean; reset?: boolean };

interface Script {
  method?: string;
  path: RegExp;
  reply: ScriptedFailure;
  left: number;
}

/**
 * A loopback HTTP server that records every request (method, path, query, body, headers) and answers
 * through a route function, with scripted failures (5xx, hangs) served first when they match.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  readonly listeners: ((request: RecordedRequest) => void)[] = [];
  private readonly scripts: Script[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly route: (request: RecordedRequest) => FakeReply | Promise<FakeReply>) {}

  /** Makes the next `times` requests matching `method` and `path` fail with `reply`. */
  failNext(method: string | undefined, path: RegExp, reply: ScriptedFailure, times = 1): void {
    this.scripts.push({ ...(method ? { method } : {}), path, reply, left: times });
  }

  /** The recorded requests with this method whose path matches. */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Kept as text: some tests send bodies that are not JSON on purpose.
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      at: performance.now(),
    };
    this.requests.push(request);
    for (const listener of this.listeners) listener(request);
    const script = this.scripts.find(
      (s) => s.left > 0 && (!s.method || s.method === request.method) && s.path.test(request.path),
    );
    let reply: FakeReply;
    if (script) {
      script.left -= 1;
      if ('hang' in script.reply) {
        if (script.reply.handled) await this.route(request);
        if (script.reply.reset) res.socket?.destroy();
        return;
      }
      reply = script.reply;
    } else {
      reply = await this.route(request);
    }
    const json = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  /** Listens on a free loopback port; returns the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 500, message: String(error) } }));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('fake server has no port');
    this.url = `http://127.0.0.1:${address.port}`;
    return this.url;
  }

  /** Closes the server and every socket, hung ones included. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A Google API error body (google.rpc.Status in JSON). */
export function googleError(code: number, status: string, message: string): FakeReply {
  return { status: code, body: { error: { code, status, message } } };
}
