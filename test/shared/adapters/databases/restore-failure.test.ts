import { describe, expect, it } from 'vitest';
import {
  clientProblem,
  describeLoadFailure,
  formatLoadFailure,
} from '../../../../shared/adapters/databases/restore-failure.js';

describe('describeLoadFailure', () => {
  it.each([
    ['postgres', 'psql:<stdin>:7: ERROR:  22P02\n', 'line 6: invalid text representation (SQLSTATE 22P02)', false],
    [
      'postgres',
      'psql:<stdin>:4: error: backslash commands are restricted; only \\unrestrict is allowed\n',
      'line 3: psql meta-command refused (\\restrict)',
      true,
    ],
    ['postgres', 'psql:<stdin>:10: ERROR:  42501\n', 'line 9: insufficient privilege (SQLSTATE 42501)', true],
    [
      'mysql',
      "--------------\nINSERT INTO t VALUES ('secret@example.com')\n--------------\n\nERROR 1062 (23000) at line 12: Duplicate entry 'secret@example.com' for key 'PRIMARY'\n",
      'line 12: duplicate key (error 1062/23000)',
      false,
    ],
    [
      'mysql',
      "ERROR 1044 (42000) at line 2: Access denied for user 'x'@'%' to database 'other'\n",
      'line 2: access denied to another database (error 1044/42000)',
      true,
    ],
    [
      'mysql',
      'ERROR at line 3: Not allowed in the sandbox mode\n',
      'line 3: client command refused (--sandbox --binary-mode)',
      true,
    ],
  ] as const)('reads %s stderr without its data: %j', (engine, stderr, said, refused) => {
    const failure = describeLoadFailure(engine, stderr, engine === 'postgres' ? 1 : 0);
    expect(failure && formatLoadFailure(failure)).toBe(said);
    expect(failure?.refused).toBe(refused);
    expect(JSON.stringify(failure)).not.toContain('secret');
  });

  it('tells a connection failure, never a statement the client echoed', () => {
    expect(
      clientProblem('psql: error: connection to server at "127.0.0.1", port 1 failed: Connection refused\n'),
    ).toMatch(/^psql: error: connection to server/);
    expect(clientProblem("--------------\nINSERT INTO t VALUES ('secret')\n--------------\n")).toBeUndefined();
  });
});
