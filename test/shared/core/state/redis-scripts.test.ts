import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as scripts from '../../../../shared/core/state/redis-scripts.js';

const all = Object.entries(scripts).filter(
  (entry): entry is [string, scripts.LuaScript] => typeof entry[1] === 'object' && 'sha' in entry[1],
);

describe('the state store’s Lua scripts', () => {
  it('are all checked here', () => {
    expect(all.map(([name]) => name).sort()).toEqual([
      'ADD_MEMBER_SCRIPT',
      'CLAIM_SCRIPT',
      'HIT_SCRIPT',
      'PUSH_SCRIPT',
      'SPEND_SCRIPT',
      'UNLOCK_SCRIPT',
    ]);
  });

  it.each(all)('%s carries the SHA1 of its source, as EVALSHA looks it up', (_name, script) => {
    expect(script.sha).toBe(createHash('sha1').update(script.source).digest('hex'));
  });
});
