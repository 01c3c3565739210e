import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../shared/core/audit/logger.js';
import { Redactor } from '../../../../shared/core/audit/redactor.js';
import { traceFromHeaders } from '../../../../shared/core/audit/trace.js';

describe('traceFromHeaders', () => {
  it.each([
    [
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
    ],
    [
      { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
      { traceId: '105445aa7843bc8bf206b12000100000', spanId: '0000000000000001', sampled: true },
    ],
    [{ traceparent: 'garbage' }, undefined],
    [{ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, undefined],
    [{}, undefined],
  ])('reads %o', (headers, expected) => expect(traceFromHeaders(headers)).toEqual(expected));
});

describe('createLogger', () => {
  it('writes Cloud Logging structured lines with labels and trace', () => {
    const lines: string[] = [];
    const log = createLogger({
      redactor: new Redactor(),
      sink: (l) => lines.push(l),
      labels: { runbook: 'cloud-run-rollback' },
      trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
      project: 'p1',
      now: () => new Date('2026-01-01T00:00:00Z'),
      run: { runId: 'r1', function: 'rollback', trigger: { kind: 'alert', id: 'cm:0.x:open' }, dryRun: false },
    });
    log.audit({
      decision: 'done',
      action: 'rollback',
      target: 'web',
      reason: 'traffic moved',
      durationMs: 812,
      evidence: { errorRate: 0.12 },
    });
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      severity: 'NOTICE',
      message: 'rollback: done rollback web: traffic moved',
      time: '2026-01-01T00:00:00.000Z',
      audit: true,
      runId: 'r1',
      function: 'rollback',
      trigger: { kind: 'alert', id: 'cm:0.x:open' },
      target: 'web',
      action: 'rollback',
      decision: 'done',
      dryRun: false,
      durationMs: 812,
      evidence: { errorRate: 0.12 },
      'logging.googleapis.com/labels': { runbook: 'cloud-run-rollback' },
      'logging.googleapis.com/trace': 'projects/p1/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('maps failures to ERROR and drops DEBUG unless asked', () => {
    const lines: string[] = [];
    const log = createLogger({ redactor: new Redactor(), sink: (l) => lines.push(l) });
    log.debug('noise');
    log.audit({ decision: 'failed', reason: 'PERMISSION_DENIED' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'ERROR' });
  });

  it('scrubs registered secrets, also JSON-escaped ones and inside errors', () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    redactor.add('p@ss"word\\1');
    redactor.add('abc');
    const log = createLogger({ redactor, sink: (l) => lines.push(l) });
    log.error('login failed for p@ss"word\\1', { error: new Error('bad p@ss"word\\1'), short: 'abc' });
    expect(lines[0]).not.toContain('p@ss');
    expect(lines[0]).toContain('[REDACTED]');
    expect(JSON.parse(lines[0]!)).toMatchObject({ short: 'abc' });
  });
});
