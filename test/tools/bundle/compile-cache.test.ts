import { describe, expect, it } from 'vitest';
import { flagSets } from '../../../tools/bundle/compile-cache.js';

describe('flagSets', () => {
  it('writes the cache for the build’s own flags alone when the build gives no memory hint', () => {
    expect(flagSets({})).toEqual(['']);
    expect(flagSets({ NODE_OPTIONS: ' --enable-source-maps ' })).toEqual(['--enable-source-maps']);
  });

  it('adds the heap size the functions-framework buildpack sets: the memory hint less 64 MB', () => {
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '512' })).toEqual(['', '--max-old-space-size=448']);
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '1024', NODE_OPTIONS: '--enable-source-maps' })).toEqual([
      '--enable-source-maps',
      '--max-old-space-size=960 --enable-source-maps',
    ]);
  });

  it('adds nothing for a hint the buildpack refuses, or when the heap size is already set', () => {
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '64' })).toEqual(['']);
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: 'lots' })).toEqual(['']);
    expect(flagSets({ GOOGLE_CONTAINER_MEMORY_HINT_MB: '512', NODE_OPTIONS: '--max-old-space-size=300' })).toEqual([
      '--max-old-space-size=300',
    ]);
  });
});
