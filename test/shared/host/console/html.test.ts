import { describe, expect, it } from 'vitest';
import { bytes, duration, html, raw } from '../../../../shared/host/console/html.js';
import { envelopeView } from '../../../../shared/host/console/pages/envelope.js';
import { sparkline } from '../../../../shared/host/console/sparkline.js';

describe('the console markup', () => {
  it('escapes every interpolated value unless it was built as markup', () => {
    const name = '"><script>alert(1)</script>';
    expect(html`<td title="${name}">${name}</td>`.text).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>',
    );
    expect(html`<p>${[html`<b>${'<i>'}</b>`, raw('<hr>')]}${undefined}${false}</p>`.text).toBe(
      '<p><b>&lt;i&gt;</b><hr></p>',
    );
  });

  it('renders what a run brought back as text, wherever it sits in the envelope', () => {
    const page = envelopeView({
      function: 'certExpiry',
      runId: 'r',
      trigger: { kind: 'manual', id: '<svg onload=x>' },
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:00.250Z',
      outcome: 'warn',
      summary: '<img src=x onerror=alert(1)>',
      items: [{ endpoint: '<b>evil</b>:443', status: 'warn' }],
      actions: [],
      notifications: [],
      note: '<iframe>',
    }).text;
    expect(page).not.toMatch(/<(img|svg|iframe|b>evil)/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<td>&lt;b&gt;evil&lt;/b&gt;:443</td>');
    expect(page).toContain('250 ms');
  });

  it('draws a sparkline scaled to its values and formats sizes and durations for people', () => {
    const svg = sparkline([100, 300, 200], 100, 20).text;
    expect(svg).toContain('points="0.0,18.0 50.0,2.0 100.0,10.0"');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(duration(3 * 86_400_000)).toBe('3 d');
  });
});
