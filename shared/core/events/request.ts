import { BadInputError, errorMessage } from '../errors/index.js';

/** Request headers as intake receives them: names in any case, values possibly absent. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** Reads a header by name, case-insensitively; a repeated header yields its first value. */
export function readHeader(headers: HeaderMap, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Collects the `ce-*` headers of a binary-mode CloudEvent, names lower-cased. */
export function cloudEventHeaders(headers: HeaderMap): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (!lower.startsWith('ce-') || value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) attributes[lower] = first;
  }
  return attributes;
}

/** A parsed JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Whether a parsed JSON value is an object, the only top-level shape intake accepts. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names the JSON type of a value for error messages (`array`, `null`, `string`…). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Whether a body is empty or only whitespace (a Scheduler job or a bare `curl -X POST` without a body). */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Parses JSON text, returning the value or the parser's complaint instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  // A UTF-8 byte order mark is legal in a file but not in JSON.parse.
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

/** Decodes a raw body as UTF-8 JSON; undefined when blank, `BadInputError` when not UTF-8 or not JSON. */
export function readBody(body: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (error) {
    throw new BadInputError('body is not valid UTF-8', {
      cause: error,
      details: { issues: [{ path: 'body', message: 'is not valid UTF-8' }] },
    });
  }
  if (isBlank(text)) return undefined;
  const parsed = tryParseJson(text);
  if (!parsed.ok) {
    // The parser's message may quote the body; keep it short so an error line stays an error line.
    const reason = parsed.reason.length > 200 ? `${parsed.reason.slice(0, 199)}…` : parsed.reason;
    throw new BadInputError(`body is not valid JSON: ${reason}`, {
      details: { issues: [{ path: 'body', message: 'is not valid JSON' }] },
    });
  }
  return parsed.value;
}
