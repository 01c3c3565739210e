import { describe, expect, it } from 'vitest';
import { grantsAllow } from '../../../../shared/host/runtime/grants.js';

const drill = [{ function: 'drDrill', routes: ['POST /approve', 'POST /cancel', 'GET /*'] }];

describe('grantsAllow', () => {
  it.each([
    ['POST', 'approve', true],
    ['POST', 'cancel', true],
    ['GET', '', true],
    ['GET', 'anything/below', true],
    ['POST', '', false],
    ['POST', 'approve/x', false],
    ['GET', 'approve', true],
  ])('%s /drDrill/%s → %s', (method, subpath, allowed) => {
    expect(grantsAllow(drill, { function: 'drDrill', method, subpath })).toBe(allowed);
  });

  it('allows every route of a function granted without routes, and nothing of another', () => {
    const grants = [{ function: 'rollback' }];
    expect(grantsAllow(grants, { function: 'rollback', method: 'POST', subpath: '' })).toBe(true);
    expect(grantsAllow(grants, { function: 'rollback', method: 'GET', subpath: 'x' })).toBe(true);
    expect(grantsAllow(grants, { function: 'autoscale', method: 'POST', subpath: '' })).toBe(false);
  });
});
