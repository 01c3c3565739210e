import { randomUUID } from 'node:crypto';
import { DependencyError } from '../errors/index.js';
import {
  checkBudget,
  checkKey,
  checkMax,
  checkMs,
  checkTimestamp,
  decodeClaim,
  decodeJson,
  encodeDone,
  encodeJson,
  RUNNING_CLAIM,
} from './encoding.js';
import type { Claim, StateStore } from './state-store.js';

/** Options of the in-process state store. */
export interface MemoryStateStoreOptions {
  /** Clock for TTLs, in epoch milliseconds; tests hand in a fake one. */
  now?: () => number;
  /** Generator of lock owner tokens. */
  token?: () => string;
}

// Values are kept as strings, a sorted list of event times or a list of strings, exactly like Redis
// holds them, so both adapters fail the same way when a key is used as two different things.
interface Entry {
  value: string | number[] | { list: string[] } | Set<string>;
  expiresAt: number | undefined;
}

const SWEEP_EVERY = 256;

/**
 * A state store inside the process: for local runs, tests and single-instance `opsfn serve`.
 * State is lost on exit and not shared between instances; TTLs follow the injected clock.
 */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #token: () => string;
  #writes = 0;
  #closed = false;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#token = options.token ?? randomUUID;
  }

  /** Entries held in memory, expired ones not yet swept included; bounded by the periodic sweep. */
  get size(): number {
    return this.#entries.size;
  }

  async claim<T = unknown>(key: string, ttlMs: number): Promise<Claim<T>> {
    const k = this.#key('claim', key);
    const ttl = checkMs('claim', 'ttlMs', ttlMs);
    const held = this.#string('claim', k);
    if (held !== undefined) return decodeClaim<T>(k, held);
    this.#set(k, RUNNING_CLAIM, ttl);
    return { claimed: true };
  }

  async complete(key: string, outcome: unknown, ttlMs: number): Promise<void> {
    const k = this.#key('complete', key);
    this.#set(k, encodeDone(k, outcome), checkMs('complete', 'ttlMs', ttlMs));
  }

  async unclaim(key: string): Promise<void> {
    this.#entries.delete(this.#key('unclaim', key));
  }

  async lock(key: string, ttlMs: number): Promise<string | undefined> {
    const k = this.#key('lock', key);
    const ttl = checkMs('lock', 'ttlMs', ttlMs);
    if (this.#live(k)) return undefined;
    const token = this.#token();
    this.#set(k, token, ttl);
    return token;
  }

  async unlock(key: string, token: string): Promise<boolean> {
    const k = this.#key('unlock', key);
    if (typeof token !== 'string' || this.#live(k)?.value !== token) return false;
    this.#entries.delete(k);
    return true;
  }

  async setCooldown(key: string, ttlMs: number): Promise<void> {
    const k = this.#key('setCooldown', key);
    this.#set(k, '1', checkMs('setCooldown', 'ttlMs', ttlMs));
  }

  async cooldownLeft(key: string): Promise<number> {
    const entry = this.#live(this.#key('cooldownLeft', key));
    if (entry?.expiresAt === undefined) return 0;
    return Math.max(0, entry.expiresAt - this.#now());
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = this.#key('hit', key);
    const window = checkMs('hit', 'windowMs', windowMs);
    const at = checkTimestamp('hit', nowMs);
    const events = this.#events('hit', k).filter((t) => t > at - window);
    events.push(at);
    this.#set(k, events, window);
    return events.length;
  }

  async count(key: string, windowMs: number, nowMs: number): Promise<number> {
    const k = this.#key('count', key);
    const window = checkMs('count', 'windowMs', windowMs);
    const at = checkTimestamp('count', nowMs);
    return this.#events('count', k).filter((t) => t > at - window).length;
  }

  async spend(key: string, windowMs: number, nowMs: number, max: number): Promise<string | undefined> {
    const k = this.#key('spend', key);
    const window = checkMs('spend', 'windowMs', windowMs);
    const at = checkTimestamp('spend', nowMs);
    const budget = checkBudget('spend', max);
    const events = this.#events('spend', k).filter((t) => t > at - window);
    if (events.length >= budget) return undefined;
    events.push(at);
    this.#set(k, events, window);
    // The event is its time; a refund takes one event of that time back, which counts the same.
    return `${at}:${this.#token()}`;
  }

  async refund(key: string, id: string): Promise<void> {
    const k = this.#key('refund', key);
    const at = Number(checkKey('refund', id).split(':')[0]);
    const entry = this.#live(k);
    if (!entry || !Array.isArray(entry.value)) return;
    const i = entry.value.indexOf(at);
    if (i >= 0) entry.value.splice(i, 1);
  }

  async addMember(key: string, member: string, ttlMs: number): Promise<{ added: boolean; size: number }> {
    const k = this.#key('addMember', key);
    const m = checkKey('addMember', member);
    const ttl = checkMs('addMember', 'ttlMs', ttlMs);
    const value = this.#live(k)?.value;
    if (value !== undefined && !(value instanceof Set)) throw wrongKind('addMember', k);
    const members = value ?? new Set<string>();
    const added = !members.has(m);
    members.add(m);
    this.#set(k, members, ttl);
    return { added, size: members.size };
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const k = this.#key('get', key);
    const text = this.#string('get', k);
    return text === undefined ? undefined : decodeJson<T>(k, text);
  }

  async put(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const k = this.#key('put', key);
    const ttl = ttlMs === undefined ? undefined : checkMs('put', 'ttlMs', ttlMs);
    this.#set(k, encodeJson('put', k, value), ttl);
  }

  async push(key: string, value: unknown, max: number, ttlMs?: number): Promise<void> {
    const k = this.#key('push', key);
    const limit = checkMax('push', max);
    const ttl = ttlMs === undefined ? undefined : checkMs('push', 'ttlMs', ttlMs);
    const text = encodeJson('push', k, value);
    const entry = this.#live(k);
    const kept = entry === undefined ? [] : this.#list('push', k);
    const list = [text, ...kept].slice(0, limit);
    // As PEXPIRE does, a push without a TTL leaves the list's expiry as it was.
    this.#set(k, { list }, ttl ?? (entry?.expiresAt === undefined ? undefined : entry.expiresAt - this.#now()));
  }

  async list<T = unknown>(key: string, limit?: number): Promise<T[]> {
    const k = this.#key('list', key);
    const count = limit === undefined ? undefined : checkMax('list', limit);
    return this.#list('list', k)
      .slice(0, count)
      .map((text) => decodeJson<T>(k, text));
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(this.#key('delete', key));
  }

  async keys(prefix: string): Promise<string[]> {
    this.#open();
    return [...this.#entries.keys()].filter((k) => k.startsWith(prefix) && this.#live(k)).sort();
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #open(): void {
    if (this.#closed) throw new DependencyError('state store is closed', { retryable: false });
  }

  #key(op: string, key: string): string {
    this.#open();
    return checkKey(op, key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #string(op: string, key: string): string | undefined {
    const value = this.#live(key)?.value;
    if (value === undefined || typeof value === 'string') return value;
    throw wrongKind(op, key);
  }

  #events(op: string, key: string): number[] {
    const value = this.#live(key)?.value;
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw wrongKind(op, key);
    return value;
  }

  #list(op: string, key: string): string[] {
    const value = this.#live(key)?.value;
    if (value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Set) throw wrongKind(op, key);
    return value.list;
  }

  #set(key: string, value: Entry['value'], ttlMs: number | undefined): void {
    this.#entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : this.#now() + ttlMs });
    // Expired keys nobody reads again would pile up in a long-lived `serve`; sweep now and then.
    if (++this.#writes % SWEEP_EVERY === 0) {
      for (const k of [...this.#entries.keys()]) this.#live(k);
    }
  }
}

function wrongKind(op: string, key: string): DependencyError {
  return new DependencyError(`state store error: ${op} "${key}": key holds the wrong kind of value`, {
    retryable: false,
  });
}
