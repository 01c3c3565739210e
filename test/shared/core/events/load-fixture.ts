import { existsSync, readFileSync } from 'node:fs';
import type { IncomingRequest } from '../../../../shared/core/events/index.js';

const ROOT = new URL('../../../fixtures/', import.meta.url);

/** Reads `test/fixtures/<name>.json` as parsed JSON. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, ROOT), 'utf8'));
}

/** Builds the request a fixture replays: its exact bytes as body, headers from `<name>.headers.json` when present. */
export function fixtureRequest(name: string): IncomingRequest {
  const headersUrl = new URL(`${name}.headers.json`, ROOT);
  const headers: Record<string, string> = existsSync(headersUrl)
    ? JSON.parse(readFileSync(headersUrl, 'utf8'))
    : { 'content-type': 'application/json' };
  return { method: 'POST', path: '/fn', headers, body: readFileSync(new URL(`${name}.json`, ROOT)) };
}

/** Builds a request from a JSON value (or raw text) and headers. */
export function jsonRequest(body: unknown, headers: Record<string, string> = {}): IncomingRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method: 'POST',
    path: '/fn',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(text),
  };
}

/** Fixed intake options: a predictable id and clock. */
export const intakeOptions = { newId: () => 'fresh-id', now: () => new Date('2026-11-22T12:00:00.000Z') };

/** Base64 of a JSON value, as Pub/Sub carries `message.data`. */
export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}
