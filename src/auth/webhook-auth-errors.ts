import type { WebhookAuthScheme } from './auth-options';
import type { WebhookKind } from './webhook-kind';

/** Who called a webhook, as established by its credentials (set on `request.user`). Holds no secret. */
export interface WebhookPrincipal {
  kind: WebhookKind;
  scheme: WebhookAuthScheme;
  /** Basic: the username; static Bearer: `token #<n>` (1-based position in the configured list); OAuth: the client id. */
  subject: string;
}

/**
 * The credentials were checked and refused: answered 401. The message says why, for the log line
 * only (never sent to the caller), and never contains a secret.
 */
export class WebhookAuthRejection extends Error {
  override name = 'WebhookAuthRejection';
}

/**
 * The credentials could not be checked right now (the JWKS was never downloaded, or the download
 * a new key id needs failed or is rate-limited after a failure): answered 503 with `Retry-After`,
 * so that Tradecloud retries the event instead of dropping it as it would after a 401. Never for
 * a key id missing from a key set downloaded successfully: Tradecloud would retry that forever.
 */
export class WebhookAuthUnavailable extends Error {
  override name = 'WebhookAuthUnavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
