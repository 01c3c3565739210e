import { createHmac } from 'node:crypto';
import type { Channel } from '../../config/index.js';
import { DeliveryError } from '../errors.js';
import { assertSuccess, postJson } from '../http-post.js';
import { fieldEntries, httpLinks, statusLabel, truncate } from '../message-text.js';
import type { Notification } from '../notification.js';
import { type PrepareChannel, secretUrl } from './channel.js';

/** Card header template per severity; a resolve is always green. */
export const FeishuTemplates = { critical: 'red', warning: 'orange', info: 'blue', resolved: 'green' } as const;

// A custom bot accepts a request body of at most 20 KB: keep the card well inside it.
const TITLE_MAX = 200;
const TEXT_MAX = 4_000;
const MAX_FIELDS = 20;
const FIELD_TEXT_MAX = 500;
const MAX_BUTTONS = 5;
// Feishu answers "frequency limited" (11232) to bursts over its per-bot rate limit: worth a retry.
const RATE_LIMITED_CODES = new Set([11232]);

/** Signs a custom-bot request: base64(HMAC-SHA256 keyed by `timestamp + "\n" + secret` over an empty message). */
export function signFeishu(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** Builds the interactive card message: coloured header, text, short fields, link buttons and a note. */
export function buildFeishuCard(message: Notification): Record<string, unknown> {
  const elements: Record<string, unknown>[] = [];
  if (message.text.trim() !== '') {
    elements.push({ tag: 'div', text: { tag: 'lark_md', content: truncate(message.text, TEXT_MAX) } });
  }
  const fields = fieldEntries(message, MAX_FIELDS);
  if (fields.length > 0) {
    elements.push({
      tag: 'div',
      fields: fields.map(([key, value]) => ({
        is_short: true,
        text: { tag: 'lark_md', content: truncate(`**${key}**\n${value}`, FIELD_TEXT_MAX) },
      })),
    });
  }
  const links = httpLinks(message, MAX_BUTTONS);
  if (links.length > 0) {
    elements.push({
      tag: 'action',
      actions: links.map((link) => ({
        tag: 'button',
        text: { tag: 'plain_text', content: truncate(link.title, 40) },
        url: link.url,
        type: 'default',
      })),
    });
  }
  const origin = ['opsfn', message.function, message.dedupKey].filter((part) => part !== undefined).join(' · ');
  elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: origin }] });
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: {
        template: FeishuTemplates[message.resolve ? 'resolved' : message.severity],
        title: { tag: 'plain_text', content: truncate(`[${statusLabel(message)}] ${message.title}`, TITLE_MAX) },
      },
      elements,
    },
  };
}

/** Builds the plain text message: status and title, the text, then one `key: value` line per field and link. */
export function buildFeishuText(message: Notification): Record<string, unknown> {
  const lines = [`[${statusLabel(message)}] ${truncate(message.title, TITLE_MAX)}`];
  if (message.text.trim() !== '') lines.push(truncate(message.text, TEXT_MAX));
  for (const [key, value] of fieldEntries(message, MAX_FIELDS))
    lines.push(truncate(`${key}: ${value}`, FIELD_TEXT_MAX));
  for (const link of httpLinks(message, MAX_BUTTONS)) lines.push(`${link.title}: ${link.url}`);
  return { msg_type: 'text', content: { text: lines.join('\n') } };
}

/** Reads the JSON answer: Feishu reports most failures as HTTP 200 with a non-zero `code`. */
export function assertFeishuAccepted(body: string): void {
  let reply: { code?: unknown; msg?: unknown; StatusCode?: unknown };
  try {
    reply = JSON.parse(body) as typeof reply;
  } catch {
    throw new DeliveryError('Feishu answered 200 without its JSON reply', { retryable: false });
  }
  const code = typeof reply.code === 'number' ? reply.code : reply.StatusCode;
  if (code === 0) return;
  if (typeof code !== 'number') throw new DeliveryError('Feishu reply has no result code', { retryable: false });
  const msg = typeof reply.msg === 'string' ? `: ${truncate(reply.msg, 200)}` : '';
  throw new DeliveryError(`code ${code}${msg}`, { retryable: RATE_LIMITED_CODES.has(code) });
}

/** Feishu/Lark custom bot: webhook URL as secret, optional signing secret, success only when `code` is 0. */
export const prepareFeishu: PrepareChannel<Extract<Channel, { type: 'feishu' }>> = async (channel, message, deps) => {
  const url = secretUrl(await deps.secret(channel.url), 'the Feishu webhook URL');
  const signingSecret = channel.secret ? await deps.secret(channel.secret) : undefined;
  const card = channel.msgType === 'text' ? buildFeishuText(message) : buildFeishuCard(message);
  return {
    async send(signal) {
      // Feishu rejects a timestamp more than an hour off, so each attempt signs afresh.
      const timestamp = Math.floor(deps.now().getTime() / 1_000);
      const body =
        signingSecret === undefined
          ? card
          : { timestamp: String(timestamp), sign: signFeishu(timestamp, signingSecret), ...card };
      const reply = await postJson(deps.fetch, { url, body }, signal);
      assertSuccess(reply, deps.now());
      assertFeishuAccepted(reply.body);
    },
  };
};
