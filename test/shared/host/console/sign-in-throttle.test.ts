import { describe, expect, it } from 'vitest';
import {
  SIGN_IN_FAILURES,
  SIGN_IN_WINDOW_MS,
  SignInThrottle,
} from '../../../../shared/host/console/sign-in-throttle.js';

describe('SignInThrottle', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('lets an address try until its fifth refusal, then until the oldest of them ages out', () => {
    const time = clock();
    const throttle = new SignInThrottle(time.now);
    for (let i = 0; i < SIGN_IN_FAILURES; i++) {
      expect(throttle.waitFor('10.0.0.1')).toBe(0);
      throttle.failed('10.0.0.1');
      time.advance(60_000);
    }
    // The first failure was five minutes ago: it counts for ten more.
    expect(throttle.waitFor('10.0.0.1')).toBe(SIGN_IN_WINDOW_MS - SIGN_IN_FAILURES * 60_000);
    expect(throttle.waitFor('10.0.0.2')).toBe(0);
    time.advance(SIGN_IN_WINDOW_MS - SIGN_IN_FAILURES * 60_000);
    expect(throttle.waitFor('10.0.0.1')).toBe(0);
    // One more failure brings back a wait: four of the five are still inside the window.
    throttle.failed('10.0.0.1');
    expect(throttle.waitFor('10.0.0.1')).toBeGreaterThan(0);
  });

  it('counts an IPv6 client by its /64, which one host can rotate through, and IPv4 behind ::ffff: as IPv4', () => {
    const time = clock();
    const throttle = new SignInThrottle(time.now);
    for (let i = 1; i <= SIGN_IN_FAILURES; i++) throttle.failed(`2001:db8:0:42::${i.toString(16)}`);
    expect(throttle.waitFor('2001:db8:0:42:ffff:1:2:3')).toBeGreaterThan(0);
    expect(throttle.waitFor('2001:0db8:0000:0042::9')).toBeGreaterThan(0);
    expect(throttle.waitFor('2001:db8:0:43::1')).toBe(0);
    for (let i = 0; i < SIGN_IN_FAILURES; i++) throttle.failed('::ffff:192.0.2.7');
    expect(throttle.waitFor('192.0.2.7')).toBeGreaterThan(0);
  });

  it('forgets an address that signs in', () => {
    const time = clock();
    const throttle = new SignInThrottle(time.now);
    for (let i = 0; i < SIGN_IN_FAILURES - 1; i++) throttle.failed('10.0.0.1');
    throttle.succeeded('10.0.0.1');
    throttle.failed('10.0.0.1');
    expect(throttle.waitFor('10.0.0.1')).toBe(0);
  });

  it('remembers at most 10,000 addresses, forgetting the one that failed longest ago', () => {
    const time = clock();
    const throttle = new SignInThrottle(time.now);
    for (let i = 0; i < SIGN_IN_FAILURES; i++) throttle.failed('first');
    for (let i = 0; i < SIGN_IN_FAILURES; i++) throttle.failed('kept');
    expect(throttle.waitFor('first')).toBeGreaterThan(0);
    for (let i = 0; i < 9_999; i++) throttle.failed(`spray-${i}`);
    expect(throttle.waitFor('first')).toBe(0);
    expect(throttle.waitFor('kept')).toBeGreaterThan(0);
  });
});
