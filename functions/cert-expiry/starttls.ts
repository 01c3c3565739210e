import type { Socket } from 'node:net';
import type { CertProtocol } from './config.js';

/** The server spoke, but not the protocol that leads to TLS. */
export class NotTlsError extends Error {
  override readonly name = 'NotTlsError';
}

const MAX_BUFFER = 64 * 1024;

/** Buffers what the server says until `take` finds a complete unit; rejects when the socket ends first. */
function createReader(socket: Socket) {
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  };
  const onEnd = () => {
    failure ??= new NotTlsError('server closed the connection before TLS');
    wake?.();
  };
  const onError = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
  return {
    async take<T>(parse: (buf: Buffer) => { value: T; used: number } | undefined): Promise<T> {
      for (;;) {
        const parsed = parse(buffer);
        if (parsed) {
          buffer = buffer.subarray(parsed.used);
          return parsed.value;
        }
        if (failure) throw failure;
        if (buffer.length > MAX_BUFFER) throw new NotTlsError('server sent too much before TLS');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    release(): void {
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      socket.pause();
    },
  };
}

type Reader = ReturnType<typeof createReader>;

/**
 * One SMTP reply (multi-line `250-…` until `250 …`, or a bare `250` on its last line, RFC 5321 §4.2): its code
 * and its lines.
 */
function smtpReply(buf: Buffer): { value: { code: number; lines: string[] }; used: number } | undefined {
  const text = buf.toString('latin1');
  const lines: string[] = [];
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\n', at);
    if (eol < 0) return undefined;
    const line = text.slice(at, eol).replace(/\r$/, '');
    at = eol + 1;
    lines.push(line);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new NotTlsError(`not an SMTP reply: "${line.slice(0, 60)}"`);
    if (m[2] !== '-') return { value: { code: Number(m[1]), lines }, used: at };
  }
}

async function smtp(socket: Socket, reader: Reader): Promise<void> {
  const greeting = await reader.take(smtpReply);
  if (greeting.code !== 220) throw new NotTlsError(`SMTP greeting ${greeting.code}: ${greeting.lines[0]}`);
  socket.write('EHLO opsfn.invalid\r\n');
  const ehlo = await reader.take(smtpReply);
  if (ehlo.code !== 250) throw new NotTlsError(`SMTP EHLO refused with ${ehlo.code}`);
  if (!ehlo.lines.some((l) => /^250[ -]STARTTLS\b/i.test(l)))
    throw new NotTlsError('SMTP server does not offer STARTTLS');
  socket.write('STARTTLS\r\n');
  const ready = await reader.take(smtpReply);
  if (ready.code !== 220) throw new NotTlsError(`SMTP STARTTLS refused with ${ready.code}: ${ready.lines[0]}`);
}

async function postgres(socket: Socket, reader: Reader): Promise<void> {
  // SSLRequest: length 8, code 80877103 (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL).
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80_877_103, 4);
  socket.write(request);
  const answer = await reader.take((buf) =>
    buf.length >= 1 ? { value: String.fromCharCode(buf[0]!), used: 1 } : undefined,
  );
  if (answer === 'N') throw new NotTlsError('PostgreSQL server does not accept SSL');
  if (answer !== 'S')
    throw new NotTlsError(`not a PostgreSQL SSLRequest answer: 0x${answer.charCodeAt(0).toString(16)}`);
}

const CLIENT_SSL = 0x0800;
// LONG_PASSWORD | PROTOCOL_41 | SSL | SECURE_CONNECTION | PLUGIN_AUTH
const CLIENT_CAPS = 0x0001 | 0x0200 | CLIENT_SSL | 0x8000 | 0x8_0000;

function mysqlPacket(buf: Buffer): { value: Buffer; used: number } | undefined {
  if (buf.length < 4) return undefined;
  const length = buf.readUIntLE(0, 3);
  if (buf.length < 4 + length) return undefined;
  return { value: buf.subarray(4, 4 + length), used: 4 + length };
}

async function mysql(socket: Socket, reader: Reader): Promise<void> {
  const greeting = await reader.take(mysqlPacket);
  if (greeting[0] === 0xff) {
    throw new NotTlsError(
      `MySQL server refused the connection: ${greeting.subarray(3).toString('utf8').slice(0, 120)}`,
    );
  }
  if (greeting[0] !== 10) throw new NotTlsError(`not a MySQL handshake (protocol ${greeting[0]})`);
  const versionEnd = greeting.indexOf(0, 1);
  // protocol(1) version(NUL-terminated) thread id(4) auth data(8) filler(1) capabilities low(2)
  const capsAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || greeting.length < capsAt + 2) throw new NotTlsError('truncated MySQL handshake');
  if (!(greeting.readUInt16LE(capsAt) & CLIENT_SSL)) throw new NotTlsError('MySQL server does not offer SSL');
  const request = Buffer.alloc(4 + 32);
  request.writeUIntLE(32, 0, 3);
  request[3] = 1;
  request.writeUInt32LE(CLIENT_CAPS, 4);
  request.writeUInt32LE(16 * 1024 * 1024, 8);
  request[12] = 45;
  socket.write(request);
}

const UPGRADES = { smtp, postgres, mysql } as const;

/** Speaks the protocol's own way into TLS on a connected socket; direct TLS needs nothing. */
export async function startTls(socket: Socket, protocol: CertProtocol): Promise<void> {
  if (protocol === 'tls') return;
  const reader = createReader(socket);
  try {
    await UPGRADES[protocol](socket, reader);
  } finally {
    reader.release();
  }
}
