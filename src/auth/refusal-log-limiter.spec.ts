import { describe, expect, it } from 'vitest';
import { RefusalLogLimiter } from './refusal-log-limiter';

describe('RefusalLogLimiter', () => {
  it('logs a burst per address, then one line per refill, counting what it left out', () => {
    let now = 0;
    const limiter = new RefusalLogLimiter(3, 1, 100, () => now);
    const logged = Array.from({ length: 10 }, (_, i) => limiter.admit('10.0.0.1', `wrong password #${i}`));
    expect(logged.filter(Boolean)).toEqual(['wrong password #0', 'wrong password #1', 'wrong password #2']);
    // Another address has its own burst.
    expect(limiter.admit('10.0.0.2', 'unknown token')).toBe('unknown token');
    now += 1_000;
    expect(limiter.admit('10.0.0.1', 'wrong password #10')).toBe('wrong password #10 (7 more refusal(s) from this address were not logged)');
    expect(limiter.admit('10.0.0.1', 'wrong password #11')).toBeUndefined();
    now += 60_000;
    expect(limiter.admit('10.0.0.1', 'wrong password #12')).toBe('wrong password #12 (1 more refusal(s) from this address were not logged)');
    expect(limiter.admit('10.0.0.1', 'wrong password #13')).toBe('wrong password #13');
  });

  it('keeps at most maxAddresses buckets, forgetting the oldest', () => {
    const now = 0;
    const limiter = new RefusalLogLimiter(1, 0.001, 2, () => now);
    expect(limiter.admit('a', 'x')).toBe('x');
    expect(limiter.admit('a', 'x')).toBeUndefined();
    limiter.admit('b', 'x');
    limiter.admit('c', 'x'); // evicts "a": its next refusal starts a fresh burst
    expect(limiter.admit('a', 'x')).toBe('x');
  });
});
