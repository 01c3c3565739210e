import { describe, expect, it } from 'vitest';
import { routeChannels, routeMatches } from '../../../../shared/core/notify/routing.js';
import { notifyConfig } from './notify-config.js';

const config = notifyConfig({
  channels: {
    pager: { type: 'pagerduty', routingKey: { env: 'PD' } },
    ops: { type: 'slack', url: { env: 'SLACK' } },
    db: { type: 'slack', url: { env: 'SLACK_DB' } },
  },
  routes: [
    { severity: 'critical', channels: ['pager', 'ops'] },
    { severity: ['warning', 'critical'], channels: ['ops'] },
    { severity: ['info', 'warning', 'critical'], channels: ['db'], functions: ['backupVerify'] },
  ],
});

describe('routeMatches', () => {
  it('treats a single severity as exact, not as a minimum', () => {
    const route = { severity: 'warning' as const, channels: ['ops'] };
    expect(routeMatches(route, { severity: 'warning' })).toBe(true);
    expect(routeMatches(route, { severity: 'critical' })).toBe(false);
    expect(routeMatches(route, { severity: 'info' })).toBe(false);
  });

  it('requires the function to be listed when the route names functions', () => {
    const route = { severity: ['info' as const], channels: ['db'], functions: ['backupVerify'] };
    expect(routeMatches(route, { severity: 'info', function: 'backupVerify' })).toBe(true);
    expect(routeMatches(route, { severity: 'info', function: 'certExpiry' })).toBe(false);
    expect(routeMatches(route, { severity: 'info' })).toBe(false);
  });
});

describe('routeChannels', () => {
  it.each([
    ['critical', 'backupVerify', ['pager', 'ops', 'db']],
    ['critical', 'rollback', ['pager', 'ops']],
    ['warning', 'rollback', ['ops']],
    ['info', 'backupVerify', ['db']],
    ['info', 'rollback', []],
  ] as const)('routes %s from %s to %j', (severity, fn, expected) => {
    expect(routeChannels(config.routes, { severity, function: fn })).toEqual(expected);
  });

  it('names a channel once even when several matching routes pick it', () => {
    const picked = routeChannels(config.routes, { severity: 'critical' });
    expect(picked.filter((name) => name === 'ops')).toHaveLength(1);
  });
});
