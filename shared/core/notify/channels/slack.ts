import type { Channel, Severity } from '../../config/index.js';
import { assertSuccess, postJson } from '../http-post.js';
import { fieldEntries, httpLinks, statusLabel, truncate } from '../message-text.js';
import type { Notification } from '../notification.js';
import { type PrepareChannel, secretUrl } from './channel.js';

/** Attachment bar colour per severity; a resolve is always green. */
export const SlackColors: Record<Severity | 'resolved', string> = {
  critical: '#D93025',
  warning: '#F9AB00',
  info: '#1A73E8',
  resolved: '#1E8E3E',
};

// Slack Block Kit limits: https://api.slack.com/reference/block-kit/blocks
const HEADER_MAX = 150;
const SECTION_TEXT_MAX = 3_000;
const FIELDS_PER_SECTION = 10;
const FIELD_TEXT_MAX = 2_000;
const MAX_FIELDS = 40;
const MAX_BUTTONS = 25;
const BUTTON_TEXT_MAX = 75;
// Block Kit button element: `url` at most 3,000 characters.
const BUTTON_URL_MAX = 3000;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Builds the incoming-webhook payload: a text fallback and one coloured attachment of blocks. */
export function buildSlackPayload(message: Notification): Record<string, unknown> {
  const label = statusLabel(message);
  const headline = truncate(`[${label}] ${message.title}`, HEADER_MAX);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: headline } }];
  if (message.text.trim() !== '') {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(escapeSlack(message.text), SECTION_TEXT_MAX) },
    });
  }
  const fields = fieldEntries(message, MAX_FIELDS).map(([key, value]) => ({
    type: 'mrkdwn',
    text: truncate(`*${escapeSlack(key)}*\n${escapeSlack(value)}`, FIELD_TEXT_MAX),
  }));
  for (let i = 0; i < fields.length; i += FIELDS_PER_SECTION) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  }
  // Block Kit refuses a button whose url runs past 3,000 characters, and the whole message with it: such a link
  // (a long PromQL expression in a generatorURL) is left out rather than losing the page.
  const links = httpLinks(message, MAX_BUTTONS).filter((link) => link.url.length <= BUTTON_URL_MAX);
  if (links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: links.map((link) => ({
        type: 'button',
        text: { type: 'plain_text', text: truncate(link.title, BUTTON_TEXT_MAX) },
        url: link.url,
      })),
    });
  }
  const origin = [message.function, message.dedupKey].filter((part) => part !== undefined).map(escapeSlack);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ['opsfn', ...origin].join(' · ') }] });
  return {
    text: headline,
    attachments: [{ color: SlackColors[message.resolve ? 'resolved' : message.severity], fallback: headline, blocks }],
  };
}

/** Slack incoming webhook: the webhook URL is the secret; any non-2xx answer is a failure. */
export const prepareSlack: PrepareChannel<Extract<Channel, { type: 'slack' }>> = async (channel, message, deps) => {
  const url = secretUrl(await deps.secret(channel.url), 'the Slack webhook URL');
  const body = buildSlackPayload(message);
  return {
    async send(signal) {
      assertSuccess(await postJson(deps.fetch, { url, body }, signal), deps.now());
    },
  };
};
