import { describe, expect, it } from 'vitest';
import { composeEstateSchema, type EstateContext } from '../../../../shared/core/config/index.js';

describe('composeEstateSchema', () => {
  it('refuses composition options passed where the estate context goes, naming them', () => {
    // As a bundle's generated entry once did: the unchecked keys were ignored and every other section refused.
    const misplaced = { unchecked: ['backups'] } as unknown as EstateContext;
    expect(() => composeEstateSchema([], misplaced)).toThrow(
      'estate context has unknown keys unchecked (composition options are the third argument)',
    );
  });

  it('allows the sections it is told to leave unchecked, and refuses other unknown keys', () => {
    const estate = composeEstateSchema([], { functions: ['backupVerify'] }, { unchecked: ['backups'] });
    expect(estate.safeParse({ backups: { anything: 1 } }).success).toBe(true);
    expect(estate.safeParse({ backupz: {} }).error?.issues).toMatchObject([
      { code: 'unrecognized_keys', keys: ['backupz'] },
    ]);
  });
});
