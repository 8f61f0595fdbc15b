import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { isJwksUri } from '../auth/auth-options';
import type { EnvironmentReader } from './environment';

/** Webhook credentials of the standalone service; they apply to every webhook kind. */
export interface StandaloneAuthEnvironment {
  /** `WEBHOOK_AUTH_DISABLED`: local experiments only, refused in production. */
  disabled: boolean;
  /** `WEBHOOK_BASIC_USERNAME`/`WEBHOOK_BASIC_PASSWORD`, then `WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS`. */
  basic: { username: string; password: string }[];
  /** `WEBHOOK_BEARER_TOKENS`. */
  bearerTokens: string[];
  /** `WEBHOOK_OAUTH_*`: orders and order documents, and shipments with `shipmentsOAuthEnabled`. */
  oauth?: { jwksUri: string; issuers: string[]; audiences: string[]; clientIds?: string[]; requiredRole?: string };
  /** `WEBHOOK_SHIPMENTS_OAUTH_ENABLED`. */
  shipmentsOAuthEnabled: boolean;
}

export interface StandaloneTlsEnvironment {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

const HIDDEN = ' (value not shown: it may contain a secret)';
const OAUTH_VARIABLES = 'WEBHOOK_OAUTH_JWKS_URI, WEBHOOK_OAUTH_ISSUERS and WEBHOOK_OAUTH_AUDIENCES';

/** Reads the `WEBHOOK_*` credentials. Problems name the variable and never echo a secret. */
export function readStandaloneAuth(read: EnvironmentReader, production: boolean, problems: string[]): StandaloneAuthEnvironment {
  const basic: StandaloneAuthEnvironment['basic'] = [];
  const username = read.optional('WEBHOOK_BASIC_USERNAME', (value) => (value.includes(':') ? 'must not contain ":"' : undefined));
  const password = read.raw('WEBHOOK_BASIC_PASSWORD');
  if (username !== undefined && password === undefined) problems.push('WEBHOOK_BASIC_PASSWORD must be set together with WEBHOOK_BASIC_USERNAME');
  if (password !== undefined && username === undefined) problems.push('WEBHOOK_BASIC_USERNAME must be set together with WEBHOOK_BASIC_PASSWORD');
  if (username !== undefined && password !== undefined) basic.push({ username, password });
  read.list('WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS').forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 1 || colon === entry.length - 1) {
      problems.push(`WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS entry ${index + 1} must be username:password${HIDDEN}`);
    } else {
      basic.push({ username: entry.slice(0, colon), password: entry.slice(colon + 1) });
    }
  });

  const bearerTokens = read.list('WEBHOOK_BEARER_TOKENS');
  bearerTokens.forEach((token, index) => {
    if (!/^[\x21-\x7e]+$/.test(token)) problems.push(`WEBHOOK_BEARER_TOKENS entry ${index + 1} must be visible ASCII characters without spaces${HIDDEN}`);
  });

  const jwksUri = read.optional('WEBHOOK_OAUTH_JWKS_URI', (value) =>
    isJwksUri(value) ? undefined : 'must be an https:// URL (http:// only for localhost), e.g. https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys',
  );
  const issuers = read.list('WEBHOOK_OAUTH_ISSUERS');
  const audiences = read.list('WEBHOOK_OAUTH_AUDIENCES');
  const clientIds = read.list('WEBHOOK_OAUTH_CLIENT_IDS');
  const requiredRole = read.raw('WEBHOOK_OAUTH_REQUIRED_ROLE');
  let oauth: StandaloneAuthEnvironment['oauth'];
  if (read.raw('WEBHOOK_OAUTH_JWKS_URI') !== undefined) {
    if (!issuers.length) {
      problems.push('WEBHOOK_OAUTH_ISSUERS must be set with WEBHOOK_OAUTH_JWKS_URI, e.g. https://sts.windows.net/<tenant>/,https://login.microsoftonline.com/<tenant>/v2.0');
    }
    if (!audiences.length) problems.push('WEBHOOK_OAUTH_AUDIENCES must be set with WEBHOOK_OAUTH_JWKS_URI (Application ID URI and/or client id of your app registration)');
    oauth = { jwksUri: jwksUri!, issuers, audiences, clientIds: clientIds.length ? clientIds : undefined, requiredRole };
  } else {
    const stray = (['WEBHOOK_OAUTH_ISSUERS', 'WEBHOOK_OAUTH_AUDIENCES', 'WEBHOOK_OAUTH_CLIENT_IDS', 'WEBHOOK_OAUTH_REQUIRED_ROLE'] as const).filter(
      (name) => read.raw(name) !== undefined,
    );
    for (const name of stray) problems.push(`${name} only applies with WEBHOOK_OAUTH_JWKS_URI, which is not set`);
  }
  const shipmentsOAuthEnabled = read.boolean('WEBHOOK_SHIPMENTS_OAUTH_ENABLED', false);
  if (shipmentsOAuthEnabled && !oauth) problems.push(`WEBHOOK_SHIPMENTS_OAUTH_ENABLED=true needs ${OAUTH_VARIABLES}`);

  const disabled = read.boolean('WEBHOOK_AUTH_DISABLED', false);
  if (disabled && production) problems.push('WEBHOOK_AUTH_DISABLED=true is refused when NODE_ENV=production');
  if (production && !disabled && !basic.length && !bearerTokens.length) {
    const unprotected = oauth ? (shipmentsOAuthEnabled ? [] : ['shipments']) : ['orders', 'order documents', 'shipments'];
    if (unprotected.length) {
      problems.push(
        `NODE_ENV=production requires webhook authentication, but ${unprotected.join(', ')} would have none: set ` +
          'WEBHOOK_BASIC_USERNAME and WEBHOOK_BASIC_PASSWORD, or WEBHOOK_BEARER_TOKENS' +
          (oauth ? ' (OAuth covers shipments only with WEBHOOK_SHIPMENTS_OAUTH_ENABLED=true)' : ` (or ${OAUTH_VARIABLES} for orders and order documents)`),
      );
    }
  }
  return { disabled, basic, bearerTokens, oauth, shipmentsOAuthEnabled };
}

/** Reads `TLS_CERT_FILE`, `TLS_KEY_FILE` and `TLS_CA_FILE`; the files must be readable now. */
export function readStandaloneTls(read: EnvironmentReader, cwd: string, problems: string[]): StandaloneTlsEnvironment | undefined {
  const file = (name: string): string | undefined => {
    const value = read.raw(name);
    if (value === undefined) return undefined;
    const resolved = path.resolve(cwd, value);
    try {
      accessSync(resolved, constants.R_OK);
    } catch (error) {
      problems.push(`${name} cannot be read: ${resolved} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return resolved;
  };
  const certFile = file('TLS_CERT_FILE');
  const keyFile = file('TLS_KEY_FILE');
  const caFile = file('TLS_CA_FILE');
  if (certFile && !keyFile) problems.push('TLS_KEY_FILE must be set together with TLS_CERT_FILE');
  if (keyFile && !certFile) problems.push('TLS_CERT_FILE must be set together with TLS_KEY_FILE');
  if (caFile && !(certFile && keyFile)) problems.push('TLS_CA_FILE only applies with TLS_CERT_FILE and TLS_KEY_FILE');
  return certFile && keyFile ? { certFile, keyFile, caFile } : undefined;
}
