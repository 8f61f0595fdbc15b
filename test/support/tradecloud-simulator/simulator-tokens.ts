import { randomBytes } from 'node:crypto';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * The simulator's token book: access tokens with an expiry, refresh tokens that rotate (each is
 * good for one refresh), and switches to expire or revoke them all.
 */
export class SimulatorTokens {
  private readonly access = new Map<string, number>();
  private readonly refresh = new Map<string, number>();
  private readonly everIssued: string[] = [];

  constructor(
    private readonly accessTtlMs: number,
    private readonly refreshTtlMs: number,
  ) {}

  issue(): IssuedTokens {
    const now = Date.now();
    // JWT-shaped, so a client that inspects tokens sees the familiar three parts.
    const accessToken = ['eyJhbGciOiJIUzI1NiJ9', randomBytes(24).toString('base64url'), randomBytes(16).toString('base64url')].join('.');
    const refreshToken = randomBytes(32).toString('base64url');
    this.access.set(accessToken, now + this.accessTtlMs);
    this.refresh.set(refreshToken, now + this.refreshTtlMs);
    this.everIssued.push(accessToken, refreshToken);
    return { accessToken, refreshToken };
  }

  isAccessValid(token: string): boolean {
    const expiresAt = this.access.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** A new pair for a current refresh token (which is then used up), or undefined. */
  rotate(refreshToken: string): IssuedTokens | undefined {
    const expiresAt = this.refresh.get(refreshToken);
    if (expiresAt === undefined || expiresAt <= Date.now()) return undefined;
    this.refresh.delete(refreshToken);
    return this.issue();
  }

  revokeRefresh(refreshToken: string): boolean {
    return this.refresh.delete(refreshToken);
  }

  /** Every access token issued so far answers 401 from now on (tokens issued later are fine). */
  expireAllAccess(): void {
    this.access.clear();
  }

  /** Every refresh token issued so far is refused from now on. */
  revokeAllRefresh(): void {
    this.refresh.clear();
  }

  /** Every access and refresh token issued so far: for "never leaked" assertions. */
  allIssued(): string[] {
    return [...this.everIssued];
  }
}
