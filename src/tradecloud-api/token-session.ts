import { TradecloudApiError } from './tradecloud-api.error';

/** The pair Tradecloud hands out at login and at every refresh (refresh tokens rotate). */
export interface TradecloudTokens {
  accessToken: string;
  refreshToken: string;
}

export interface TokenSessionDeps {
  login(): Promise<TradecloudTokens>;
  refresh(refreshToken: string): Promise<TradecloudTokens>;
  /** Age after which a token is refreshed before its next use. */
  refreshIntervalMs: number;
  now?: () => number;
}

/**
 * Holds the access and refresh token of the integration user. Renewal is single-flight: however
 * many calls need a token at the same moment, one login or refresh goes out and they all share
 * its result. Tokens live only in this object; nothing here logs or formats them.
 */
export class TokenSession {
  private current?: TradecloudTokens & { obtainedAt: number };
  private renewal?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly deps: TokenSessionDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  /** A token fit for the next call: the current one, or a refreshed one once it reached the refresh interval. */
  async accessToken(): Promise<string> {
    const current = this.current;
    if (current && this.now() - current.obtainedAt < this.deps.refreshIntervalMs) return current.accessToken;
    return this.renew();
  }

  /**
   * The API answered 401 to `rejected`. Unless another caller already replaced that token, drop
   * the session and log in again (the reference connector does the same: a rejected session's
   * refresh token is not trusted).
   */
  async renewAfterRejection(rejected: string): Promise<string> {
    if (this.current && this.current.accessToken !== rejected) return this.current.accessToken;
    this.current = undefined;
    return this.renew();
  }

  /** Forget the tokens (e.g. at shutdown). */
  clear(): void {
    this.current = undefined;
  }

  private renew(): Promise<string> {
    this.renewal ??= this.obtain().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async obtain(): Promise<string> {
    const previous = this.current;
    let tokens: TradecloudTokens | undefined;
    if (previous) {
      try {
        tokens = await this.deps.refresh(previous.refreshToken);
      } catch (error) {
        // A revoked, expired or already rotated refresh token (401) — or any other refusal — means
        // logging in again. A transient failure is passed on: login would most likely fail too.
        if (!(error instanceof TradecloudApiError) || error.transient) throw error;
      }
    }
    tokens ??= await this.deps.login();
    this.current = { ...tokens, obtainedAt: this.now() };
    return tokens.accessToken;
  }
}
