/** Failed sign-ins an address may make within {@link SIGN_IN_WINDOW_MS} before it has to wait. */
export const SIGN_IN_FAILURES = 5;
/** How long a failed sign-in counts against its address. */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** Addresses remembered at most; past it the one whose last failure is oldest is forgotten first. */
const MAX_ADDRESSES = 10_000;

/**
 * Who a socket address is for counting: an IPv6 address by its /64 (one host is given a whole /64 and can pick any
 * address in it), an IPv4 address written as IPv6 (`::ffff:192.0.2.7`) as that IPv4 address, others as they are.
 */
export function clientOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Slows down guessing at the console's sign-in: an address with {@link SIGN_IN_FAILURES} refused
 * credentials within {@link SIGN_IN_WINDOW_MS} is refused without a check until the oldest of them ages
 * out. A sign-in that succeeds clears its address. Kept in the process: each replica counts its own.
 */
export class SignInThrottle {
  // Insertion order is the order of the last failure: a failing address is moved to the end.
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /** Milliseconds `address` must wait before it may try again; 0 when it may try now. */
  waitFor(address: string): number {
    const recent = this.recent(clientOf(address));
    if (recent.length < SIGN_IN_FAILURES) return 0;
    return Math.max(1, (recent[recent.length - SIGN_IN_FAILURES] ?? 0) + SIGN_IN_WINDOW_MS - this.now());
  }

  failed(address: string): void {
    const client = clientOf(address);
    const recent = [...this.recent(client), this.now()].slice(-SIGN_IN_FAILURES);
    this.failures.delete(client);
    this.failures.set(client, recent);
    if (this.failures.size > MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  succeeded(address: string): void {
    this.failures.delete(clientOf(address));
  }

  private recent(address: string): number[] {
    const since = this.now() - SIGN_IN_WINDOW_MS;
    const recent = (this.failures.get(address) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(address);
    return recent;
  }
}
