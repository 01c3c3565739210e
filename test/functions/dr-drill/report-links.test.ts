import { describe, expect, it } from 'vitest';
import { drDrill } from '../../../functions/dr-drill/handler.js';
import { runForTest } from '../../../shared/testing/index.js';
import { recordingNotifier } from '../../support/recording-notifier.js';
import { cli, standardEstate, useCleanups } from './harness.js';

const cleanups = useCleanups();

describe('drDrill report links', () => {
  it('links the written HTML report from the notification and from the audit record of the verdict', async () => {
    const config = await standardEstate(cleanups);
    const notifier = recordingNotifier();
    const lines: string[] = [];
    const { envelope } = await runForTest(drDrill, cli({ plan: 'quarterly-db' }), {
      estate: config,
      notifier,
      logSink: (line) => lines.push(line),
    });
    expect(envelope.outcome).toBe('ok');
    const html = (envelope.report as { html: string }).html;
    expect(html).toMatch(new RegExp(`^file://.*/drDrill/\\d{4}-\\d{2}-\\d{2}/${envelope.drill}-quarterly-db\\.html$`));
    expect(notifier.sent.at(-1)?.links).toEqual([{ title: 'Drill report', url: html }]);
    const verdict = lines
      .map((l) => JSON.parse(l) as { action?: string; evidence?: { report?: { html?: string } } })
      .find((r) => r.action === 'drill.verdict');
    expect(verdict?.evidence?.report?.html).toBe(html);
  });
});
