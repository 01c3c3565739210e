import { connect as connectTcp, type Socket } from 'node:net';
import type { RedisEndpoint } from '../config/index.js';
import { INCOMPLETE, RedisReplyError, RespProtocolError, RespReader, type RespReply } from './resp-reader.js';

/** A `RespClient`'s endpoint, name and bounds. */
export interface RespClientOptions extends RedisEndpoint {
  /** PEM of the CA that signed a TLS server's certificate; default the system CAs. */
  ca?: string;
  /** Set with `CLIENT SETNAME`, shown in `CLIENT LIST`. */
  name: string;
  /** TCP connect, TLS handshake and sign-in together, in ms. */
  connectTimeoutMs: number;
  /** One command, from sent to answered, in ms. */
  commandTimeoutMs: number;
}

/** A command's words: its name, then its arguments, numbers sent as their decimal text. */
export type RespCommand = readonly (string | number)[];

interface Pending {
  resolve: (reply: RespReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One socket and the commands in flight on it, answered in the order sent. */
class RespSocket {
  readonly connected: Promise<void>;
  readonly #socket: Socket;
  readonly #reader = new RespReader();
  readonly #pending: Pending[] = [];
  readonly #commandTimeoutMs: number;
  #failure: Error | undefined;
  #ending = false;
  #drained: (() => void) | undefined;

  constructor(socket: Socket, readyEvent: string, commandTimeoutMs: number) {
    this.#socket = socket;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.connected = new Promise((resolve, reject) => {
      socket.once(readyEvent, resolve);
      socket.once('close', () => reject(this.#failure ?? new Error('connection closed')));
    });
    this.connected.catch(() => undefined);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  get usable(): boolean {
    return this.#failure === undefined && !this.#ending;
  }

  send(command: RespCommand): Promise<RespReply> {
    if (!this.usable) return Promise.reject(this.#failure ?? new Error('connection closing'));
    return new Promise((resolve, reject) => {
      // A reply that never comes may sit behind a socket TCP has not noticed is dead; later replies on it
      // could never be matched to their commands again, so the whole connection goes.
      const ms = this.#commandTimeoutMs;
      const timer = setTimeout(() => this.fail(new Error(`Command timed out after ${ms}ms`)), ms);
      this.#pending.push({ resolve, reject, timer });
      this.#socket.write(encode(command));
    });
  }

  /** Fails every command in flight with `error` and drops the socket; the first failure is the one kept. */
  fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#drained?.();
  }

  /** Lets the commands in flight finish, then closes; destroys the socket after `ms` at the latest. */
  async end(ms: number): Promise<void> {
    if (this.#failure !== undefined) return;
    this.#ending = true;
    const closed = new Promise((resolve) => this.#socket.once('close', resolve));
    const timer = setTimeout(() => this.fail(new Error(`connection closing: no answer within ${ms}ms`)), ms);
    // Redis drops what it has not yet answered when it reads the end of the stream, so end only once all is answered.
    if (this.#pending.length > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#socket.end();
    await closed;
    clearTimeout(timer);
  }

  #onData(chunk: Buffer): void {
    this.#reader.feed(chunk);
    try {
      for (let reply = this.#reader.next(); reply !== INCOMPLETE; reply = this.#reader.next()) {
        const pending = this.#pending.shift();
        if (pending === undefined) throw new RespProtocolError('the server sent a reply no command asked for');
        clearTimeout(pending.timer);
        if (reply instanceof RedisReplyError) pending.reject(reply);
        else pending.resolve(reply);
        if (this.#pending.length === 0) this.#drained?.();
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }
}

/** A command as RESP2's array of bulk strings. */
function encode(command: RespCommand): string {
  let out = `*${command.length}\r\n`;
  for (const word of command) {
    const text = String(word);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

/**
 * A Redis client for the few commands the state store sends: one connection, opened on the first
 * command and again on the first command after it broke, signed in (`AUTH`, `SELECT`, `CLIENT SETNAME`)
 * within one deadline; commands pipelined and each bounded; nothing queued while disconnected, nothing
 * retried, no timer left behind. Error replies reject with `RedisReplyError`.
 */
export class RespClient {
  readonly #options: RespClientOptions;
  #socket: RespSocket | undefined;
  #opening: Promise<RespSocket> | undefined;
  /** The socket `#open` is connecting and signing in, not yet given commands. */
  #signingIn: RespSocket | undefined;
  #closed = false;

  constructor(options: RespClientOptions) {
    this.#options = options;
  }

  /** Sends one command and resolves with its reply. */
  async send(command: RespCommand): Promise<RespReply> {
    if (this.#closed) throw new Error('client is closed');
    const socket = this.#socket?.usable ? this.#socket : await this.#connect();
    return await socket.send(command);
  }

  /** Closes the connection after the commands in flight, within the connect timeout; never hangs. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A connection being opened ends itself once it sees the client closed; its promise settles after that.
    const opening = this.#opening?.catch(() => undefined);
    await Promise.all([this.#socket?.end(this.#options.connectTimeoutMs), opening]);
  }

  /** Drops the current connection, failing the commands in flight with `reason`; the next command opens a new one. */
  reset(reason: Error): void {
    this.#socket?.fail(reason);
  }

  /** Drops the connection at once, failing the commands in flight with `reason`; for a caller's deadline. */
  destroy(reason: Error): void {
    this.#closed = true;
    this.#socket?.fail(reason);
    this.#signingIn?.fail(reason);
  }

  #connect(): Promise<RespSocket> {
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<RespSocket> {
    const o = this.#options;
    // node:tls costs a cold start megabytes to load; a plain redis:// store never pays for it.
    const tls = o.tls ? await import('node:tls') : undefined;
    if (this.#closed) throw new Error('client is closed');
    // The server name (SNI) too, which Node does not take from `host`: a TLS front that routes by it needs it.
    const raw = tls
      ? tls.connect({
          host: o.host,
          port: o.port,
          ...(IP_ADDRESS.test(o.host) ? {} : { servername: o.host }),
          ...(o.ca === undefined ? {} : { ca: o.ca }),
        })
      : connectTcp({ host: o.host, port: o.port });
    const socket = new RespSocket(raw, o.tls ? 'secureConnect' : 'connect', o.commandTimeoutMs);
    this.#signingIn = socket;
    const ms = o.connectTimeoutMs;
    // One deadline for TCP, TLS and sign-in: a server that accepts and never answers stalls none of them.
    const timer = setTimeout(() => socket.fail(new Error(`connect: no answer within ${ms}ms`)), ms);
    try {
      await socket.connected;
      await Promise.all([
        ...signIn(o).map((command) => socket.send(command)),
        // Memorystore for Redis before 6.x refuses CLIENT altogether
        // (cloud.google.com/memorystore/docs/redis/supported-commands), and an ACL may deny it: the name is a
        // courtesy, not a need. Any other error reply (no client slot left, still loading) fails the sign-in.
        socket.send(['CLIENT', 'SETNAME', o.name]).catch((error: unknown) => {
          if (!(error instanceof RedisReplyError && CLIENT_REFUSED.test(error.message))) throw error;
        }),
      ]);
    } catch (error) {
      socket.fail(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
      this.#signingIn = undefined;
    }
    if (this.#closed) {
      await socket.end(ms);
      throw new Error('client is closed');
    }
    this.#socket = socket;
    return socket;
  }
}

/** An IPv4 or IPv6 address, never a server name (`net.isIP` would compile Node's IPv6 pattern on a cold start). */
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$|:/;

/** How a server refuses the `CLIENT` command itself: unknown (renamed or blocked), or not allowed to this user. */
const CLIENT_REFUSED = /^(ERR unknown (sub)?command|NOPERM)/i;

function signIn(o: RespClientOptions): RespCommand[] {
  const commands: RespCommand[] = [];
  // A user with no password signs in with an empty one, which an ACL user marked `nopass` accepts.
  if (o.username !== undefined) commands.push(['AUTH', o.username, o.password ?? '']);
  else if (o.password !== undefined) commands.push(['AUTH', o.password]);
  if (o.db !== 0) commands.push(['SELECT', o.db]);
  return commands;
}
