import { Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, JSONWebKeySet, JWSHeaderParameters } from 'jose';
import { WebhookAuthUnavailable } from './webhook-auth-errors';

export interface JwksKeyCacheOptions {
  jwksUri: string;
  /** Keys older than this are refreshed; while the refresh fails the old keys stay in use. */
  maxAgeMs: number;
  /** Least time between two downloads, whatever triggered them. */
  cooldownMs: number;
  timeoutMs: number;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * The signing keys of one JWKS URL. Downloaded on first use and kept; a token with a key id the
 * cache does not know triggers one download (Entra rotates its keys), but never more than one per
 * cooldown, so that tokens with made-up key ids cannot make us hammer the identity provider.
 *
 * What a token whose key id is not in the cached keys gets, and why:
 *
 * | situation                                                          | result            |
 * |--------------------------------------------------------------------|-------------------|
 * | the keys were downloaded during this lookup (first use, refresh)   | unknown key: 401  |
 * | cooldown over: downloaded again, the key is still not there        | unknown key: 401  |
 * | within the cooldown after a *successful* download                  | unknown key: 401  |
 * | the download this key id needs fails (unreachable, 5xx, not JSON)  | unavailable: 503  |
 * | within the cooldown after a *failed* download                      | unavailable: 503  |
 * | no key set at all yet (first download failed or rate-limited)      | unavailable: 503  |
 *
 * A key set downloaded successfully less than a cooldown ago is the provider's current answer,
 * and Entra publishes a key in its JWKS well before it signs with it; a key id missing from it is
 * not a key of the provider, and the token is refused like any other bad credential (401, "not
 * checkable" would be wrong). This matters because Tradecloud retries every status above 500: a
 * 503 here would have it resend a forged or foreign token forever. Only when we cannot get a
 * trustworthy answer (no key set yet, or the download that could bring a rotated key failed) is
 * the answer 503 ({@link WebhookAuthUnavailable}), so that a genuine event signed with a key we
 * could not fetch is retried instead of dropped.
 *
 * An unknown key id is looked up as `errors.JWKSNoMatchingKey`, which the verifier turns into 401.
 */
export class JwksKeyCache {
  private keys?: { set: LocalKeySet; fetchedAt: number };
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** Why the latest download failed; unset once one succeeds. */
  private lastFailure?: string;
  private inFlight?: Promise<void>;
  /** Downloads started so far (diagnostics and tests). */
  downloads = 0;

  constructor(
    private readonly options: JwksKeyCacheOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The verification key for a token header. `errors.JWKSNoMatchingKey` when the JWKS does not have it. */
  async keyFor(header: JWSHeaderParameters): ReturnType<LocalKeySet> {
    const held = this.keys;
    if (!this.keys) {
      await this.download('no keys cached yet');
    } else if (this.now() - this.keys.fetchedAt > this.options.maxAgeMs && this.mayDownload()) {
      const ageSeconds = Math.round((this.now() - this.keys.fetchedAt) / 1000);
      await this.download('cached keys are stale').catch((error: Error) =>
        this.logger.warn(`${error.message}; still using the keys downloaded ${ageSeconds} s ago`),
      );
    }
    // A download that succeeded while this lookup waited is as fresh as a refetch would be.
    const downloadedNow = this.keys !== held;
    try {
      return await this.keys!.set(header);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || downloadedNow) throw error;
      await this.refetchForUnknownKey(header.kid);
      return await this.keys!.set(header);
    }
  }

  /**
   * Makes sure the cached keys are a trustworthy answer for a key id they lack: downloads them
   * again (or waits for the download under way), and raises {@link WebhookAuthUnavailable} when
   * that fails or is rate-limited after a failure. Returns without a download when the keys come
   * from a successful download less than a cooldown ago (see the class comment).
   */
  private async refetchForUnknownKey(kid: unknown): Promise<void> {
    // The key id comes from the caller: quoted and bounded before it reaches a log line.
    const quoted = JSON.stringify(String(kid).slice(0, 100));
    if (this.inFlight || this.mayDownload()) return this.download(`unknown key id ${quoted}`);
    if (this.lastFailure === undefined) return;
    const seconds = Math.round((this.now() - this.lastAttemptAt) / 1000);
    throw new WebhookAuthUnavailable(
      `unknown key id ${quoted}, and the latest download, ${seconds} s ago, failed: ${this.lastFailure}; one download per ${this.options.cooldownMs / 1000} s`,
      this.retryAfterSeconds(),
    );
  }

  private mayDownload(): boolean {
    return this.now() - this.lastAttemptAt >= this.options.cooldownMs;
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.lastAttemptAt + this.options.cooldownMs - this.now()) / 1000));
  }

  private download(reason: string): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (!this.mayDownload()) {
      const seconds = Math.round((this.now() - this.lastAttemptAt) / 1000);
      return Promise.reject(
        new WebhookAuthUnavailable(
          `${reason}, but the JWKS ${this.options.jwksUri} was last requested ${seconds} s ago (one download per ${this.options.cooldownMs / 1000} s)`,
          this.retryAfterSeconds(),
        ),
      );
    }
    this.lastAttemptAt = this.now();
    this.downloads += 1;
    this.inFlight = this.fetchKeySet(reason)
      .catch((error: Error) => {
        this.lastFailure = error.message;
        throw error;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchKeySet(reason: string): Promise<void> {
    const { jwksUri, timeoutMs, cooldownMs } = this.options;
    const unavailable = (what: string) =>
      new WebhookAuthUnavailable(`JWKS ${jwksUri} ${what} (download because ${reason})`, Math.max(1, Math.ceil(cooldownMs / 1000)));
    let body: unknown;
    try {
      const response = await fetch(jwksUri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw unavailable(`answered HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (error instanceof WebhookAuthUnavailable) throw error;
      if (error instanceof SyntaxError) throw unavailable('did not answer JSON');
      throw unavailable(`is not reachable: ${describeFetchError(error)}`);
    }
    let set: LocalKeySet;
    try {
      set = createLocalJWKSet(body as JSONWebKeySet);
    } catch {
      throw unavailable('did not answer a JSON Web Key Set');
    }
    this.keys = { set, fetchedAt: this.now() };
    this.lastFailure = undefined;
    this.logger.debug(`Downloaded ${(body as JSONWebKeySet).keys.length} signing key(s) from ${jwksUri} (${reason})`);
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
