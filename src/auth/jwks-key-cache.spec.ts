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

    // a made-up key id right after: refused as "not checkable now" (503), without a download
    const unavailable = await keys.keyFor(header('made-up')).catch((error: unknown) => error);
    expect(unavailable).toBeInstanceOf(WebhookAuthUnavailable);
    expect((unavailable as WebhookAuthUnavailable).retryAfterSeconds).toBe(10);
    expect(keys.downloads).toBe(2);

    // after the cooldown it is looked up once more, then refused as unknown (401)
    clock += 10_000;
    await expect(keys.keyFor(header('made-up'))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(keys.downloads).toBe(3);
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
