import { connect } from 'node:net';
import type { TcpCheck } from '../config.js';
import { closeOnAbort } from './abort.js';
import { describeNetworkError } from './http-request.js';
import { type CheckResult, type ProbeEnv, since } from './types.js';

/** `tcp`: opens a connection to `host:port` (Kafka brokers, Consul) and closes it; the latency is the connect time. */
export function probeTcp(check: TcpCheck, env: ProbeEnv): Promise<CheckResult> {
  const where = `${check.host}:${check.port}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: check.host, port: check.port });
    const detach = closeOnAbort(env.signal, () => {
      socket.destroy();
      reject(env.signal.reason);
    });
    socket.once('connect', () => {
      const latencyMs = since(started);
      detach();
      socket.destroy();
      resolve({ status: 'ok', latencyMs, detail: `${where} accepts connections (${latencyMs} ms)` });
    });
    socket.once('error', (error) => {
      detach();
      socket.destroy();
      resolve({ status: 'fail', latencyMs: since(started), detail: `${where}: ${describeNetworkError(error, where)}` });
    });
  });
}
