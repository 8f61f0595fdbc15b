import { Logger } from '@nestjs/common';
import { errors } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeEntra } from '../../test/support/fake-entra/fake-entra';
import { JwksKeyCache } from './jwks-key-cache';
import { WebhookAuthUnavailable } from './webhook-auth-errors';

/** Records warnings instead of printing them. */
class RecordingLogger extends Logger {
  warnings: string[] = [];
  override warn(message: string): void {
    this.warnings.push(message);
  }
  override debug(): void {}
}

describe('JwksKeyCache', () => {
  let entra: FakeEntra;
  let clock: number;
  let logger: RecordingLogger;
  const header = (kid: string) => ({ alg: 'RS256', kid });
  const cache = (overrides: Partial<{ maxAgeMs: number; cooldownMs: number; jwksUri: string }> = {}) =>
    new JwksKeyCache({ jwksUri: entra.jwksUri(), maxAgeMs: 60_000, cooldownMs: 10_000, timeoutMs: 2_000, ...overrides }, logger, () => clock);

  beforeAll(async () => {
    entra = await FakeEntra.start();
    entra.registerResource({ applicationIdUri: 'api://x', clientId: 'x', accessTokenVersion: 2 });
  });
  afterAll(() => entra.close());
  beforeEach(() => {
    clock = 1_000_000;
    entra.down = false;
    entra.jwksFailureStatus = undefined;
    logger = new RecordingLogger();
  });

  it('downloads once and serves every lookup from the cache', async () => {
    const keys = cache();
    const before = entra.jwksRequests;
    const results = await Promise.all([1, 2, 3].map(() => keys.keyFor(header(entra.currentKid))));
    await keys.keyFor(header(entra.currentKid));
    expect(results.every((key) => key.type === 'public')).toBe(true);
    expect(entra.jwksRequests - before).toBe(1);
    expect(keys.downloads).toBe(1);
  });

  it('downloads again for an unknown key id (rotation), but at most once per cooldown', async () => {
    const keys = cache();
    await keys.keyFor(header(entra.currentKid));
    const rotated = await entra.rotateSigningKey();
    clock += 10_000;
    expect((await keys.keyFor(header(rotated))).type).toBe('public');
    expect(keys.downloads).toBe(2);

    // a made-up key id right after: the key set just downloaded is the provider's current answer,
    // so the key is not one of its keys: refused as unknown (401), without a download
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    clock += 9_999;
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(keys.downloads).toBe(2);

    // after the cooldown it is looked up once more, then refused as unknown (401)
    clock += 1;
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(keys.downloads).toBe(3);
  });

  it('refuses an unknown key id on first use after a single download, whatever the cooldown', async () => {
    for (const cooldownMs of [0, 10_000]) {
      const keys = cache({ cooldownMs });
      await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      expect(keys.downloads).toBe(1);
    }
  });

  it('refuses concurrent unknown key ids after one shared download', async () => {
    const keys = cache();
    await keys.keyFor(header(entra.currentKid));
    clock += 10_000;
    const before = entra.jwksRequests;
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((kid) => keys.keyFor(header(kid))));
    expect(results.map((result) => result.status === 'rejected' && result.reason instanceof errors.JWKSNoMatchingKey)).toEqual([true, true, true, true]);
    expect(entra.jwksRequests - before).toBe(1);
  });

  it.each([
    ['unreachable', () => (entra.down = true), /is not reachable/],
    ['answering HTTP 503', () => (entra.jwksFailureStatus = 503), /answered HTTP 503/],
  ])('answers "unavailable" for an unknown key id while the JWKS is %s, as the key may be a rotated one', async (_, breakJwks, reason) => {
    const keys = cache();
    const known = entra.currentKid;
    await keys.keyFor(header(known));
    const rotated = await entra.rotateSigningKey();
    clock += 10_000;
    breakJwks();

    // the refetch this key id needs fails: 503
    const failed = await keys.keyFor(header(rotated)).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(WebhookAuthUnavailable);
    expect((failed as Error).message).toMatch(reason);
    expect(keys.downloads).toBe(2);

    // within the cooldown after that failure: still 503 (no trustworthy answer), without a download
    clock += 4_000;
    const limited = await keys.keyFor(header('made-up')).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(WebhookAuthUnavailable);
    expect((limited as Error).message).toMatch(/unknown key id "made-up", and the latest download, 4 s ago, failed: .*one download per 10 s/);
    expect((limited as WebhookAuthUnavailable).retryAfterSeconds).toBe(6);
    expect(keys.downloads).toBe(2);
    // a key id the cached keys do have is still verified with them
    expect((await keys.keyFor(header(known))).type).toBe('public');

    // back up after the cooldown: the rotated key is found, a made-up one is refused (401) again
    entra.down = false;
    entra.jwksFailureStatus = undefined;
    clock += 6_000;
    expect((await keys.keyFor(header(rotated))).type).toBe('public');
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(keys.downloads).toBe(3);
  });

  it('answers "unavailable" for an unknown key id when the refresh of stale keys just failed', async () => {
    const keys = cache();
    const known = entra.currentKid;
    await keys.keyFor(header(known));
    clock += 61_000;
    entra.down = true;
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(WebhookAuthUnavailable);
    expect((await keys.keyFor(header(known))).type).toBe('public');
    expect(keys.downloads).toBe(2);
  });

  it('answers "unavailable" when the JWKS cannot be reached, and rate-limits the attempts', async () => {
    entra.down = true;
    const keys = cache();
    const first = await keys.keyFor(header(entra.currentKid)).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(WebhookAuthUnavailable);
    expect((first as Error).message).toMatch(/is not reachable/);
    await expect(keys.keyFor(header(entra.currentKid))).rejects.toThrow(/last requested 0 s ago/);
    expect(keys.downloads).toBe(1);
    entra.down = false;
    clock += 10_000;
    expect((await keys.keyFor(header(entra.currentKid))).type).toBe('public');
  });

  it('refreshes stale keys, and keeps using them while the refresh fails', async () => {
    const keys = cache();
    await keys.keyFor(header(entra.currentKid));
    clock += 61_000;
    entra.down = true;
    expect((await keys.keyFor(header(entra.currentKid))).type).toBe('public');
    expect(keys.downloads).toBe(2);
    expect(logger.warnings).toEqual([expect.stringMatching(/not reachable.*still using the keys downloaded 61 s ago/)]);
    entra.down = false;
    clock += 10_000;
    await keys.keyFor(header(entra.currentKid));
    expect(keys.downloads).toBe(3);
  });

  it('treats an answer that is not a key set as unavailable', async () => {
    const keys = cache({ jwksUri: `${entra.baseUrl}/nowhere/discovery/v2.0/keys` });
    await expect(keys.keyFor(header('k'))).rejects.toThrow(/answered HTTP 404/);
  });
});
