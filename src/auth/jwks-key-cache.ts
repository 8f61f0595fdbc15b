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
 * When the keys cannot be known (JWKS unreachable, refetch rate-limited) it raises
 * {@link WebhookAuthUnavailable}: answered 503, so Tradecloud retries instead of dropping the event.
 */
export class JwksKeyCache {
  private keys?: { set: LocalKeySet; fetchedAt: number };
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
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
    if (!this.keys) {
      await this.download('no keys cached yet');
    } else if (this.now() - this.keys.fetchedAt > this.options.maxAgeMs && this.mayDownload()) {
      const ageSeconds = Math.round((this.now() - this.keys.fetchedAt) / 1000);
      await this.download('cached keys are stale').catch((error: Error) =>
        this.logger.warn(`${error.message}; still using the keys downloaded ${ageSeconds} s ago`),
      );
    }
    try {
      return await this.keys!.set(header);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // The key id comes from the caller: quoted and bounded before it reaches a log line.
      const kid = JSON.stringify(String(header.kid).slice(0, 100));
      if (this.inFlight) await this.inFlight;
      else await this.download(`unknown key id ${kid}`);
      return await this.keys!.set(header);
    }
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
    this.inFlight = this.fetchKeySet(reason).finally(() => (this.inFlight = undefined));
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
    this.logger.debug(`Downloaded ${(body as JSONWebKeySet).keys.length} signing key(s) from ${jwksUri} (${reason})`);
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
