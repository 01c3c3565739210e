import type { RespCommand } from './resp-client.js';
import type { RespReply } from './resp-reader.js';

/** A Lua script run by its SHA1, loaded on first use. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/**
 * A script with its SHA1 written out rather than computed: hashing at import would make every cold start
 * initialise OpenSSL's SHA1 for scripts it may never run. A test recomputes each one.
 */
function lua(sha: string, source: string): LuaScript {
  return { source, sha };
}

/**
 * Claims KEYS[1] with ARGV[1] for ARGV[2] ms, or returns what holds it. One round trip, so a claim
 * that expires between "SET NX failed" and "GET" cannot be misread as absent.
 * Returns `{1}` when claimed, `{0, value}` otherwise.
 */
export const CLAIM_SCRIPT = lua(
  '80be56670cd32d96eb0c343d1f0fec8bd9f0af66',
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1}
end
return {0, redis.call('GET', KEYS[1])}
`,
);

/** Deletes KEYS[1] only while it still holds the owner token ARGV[1]; returns 1 when it did. */
export const UNLOCK_SCRIPT = lua(
  'f4f23e4b63559980e4fd8dd1b2bf8e156fe4c29f',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
);

/**
 * Adds member ARGV[3] at score ARGV[1] to the window KEYS[1], drops events at or before the cutoff
 * ARGV[2], keeps the set alive for ARGV[4] ms and returns how many events remain.
 */
export const HIT_SCRIPT = lua(
  '81d7759e8d4492e7198a51652d85ddb57adcdb38',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
`,
);

/**
 * Spends one event of a budget: drops events at or before the cutoff ARGV[2] from the window KEYS[1] and, while
 * it holds fewer than ARGV[5], adds member ARGV[3] at score ARGV[1], keeps the set alive for ARGV[4] ms and
 * returns 1; returns 0 when the budget is spent. Counting and adding in one step, so concurrent runs cannot all
 * find one event left and all take it.
 */
export const SPEND_SCRIPT = lua(
  '2a79d8b17fc4c31bec33553dd336a93b36811c9f',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`,
);

/**
 * Pushes ARGV[1] at the head of the list KEYS[1], keeps its first ARGV[2] entries and, when ARGV[3]
 * is not empty, lets the list expire ARGV[3] ms from now. One round trip, so concurrent pushers
 * never trim each other's entries away.
 */
export const PUSH_SCRIPT = lua(
  '094a0a2eae2fa172851874b258fd7a7f1058aac4',
  `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`,
);

/**
 * Adds member ARGV[1] to the set KEYS[1], keeps the set alive for ARGV[2] ms and returns `{added, size}`:
 * one round trip, so no other writer's member lands between the add and the count.
 */
export const ADD_MEMBER_SCRIPT = lua(
  'b2c37694f799e3925c0b59b144ba39a75c58c649',
  `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {added, redis.call('SCARD', KEYS[1])}
`,
);

/** Runs a script by SHA1 and falls back to sending its source when the server does not have it cached. */
export async function runScript(
  send: (command: RespCommand) => Promise<RespReply>,
  script: LuaScript,
  keys: string[],
  args: string[],
): Promise<RespReply> {
  try {
    return await send(['EVALSHA', script.sha, keys.length, ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await send(['EVAL', script.source, keys.length, ...keys, ...args]);
  }
}
