import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, usageError } from '../cli-output';
import { HttpAnswer, httpExchange } from './http-exchange';
import { orderBodyAsTxml } from './txml-body';

export type WebhookAnswer = HttpAnswer;

/**
 * POSTs one webhook body as Tradecloud does: JSON (or, for an order body with `format` `txml`,
 * Tradecloud's XML), one Authorization header, its own user agent.
 */
export function postWebhook(url: string, body: unknown, authorization: string | undefined, ca?: Buffer, timeoutMs = 30_000, format: 'json' | 'txml' = 'json'): Promise<WebhookAnswer> {
  const payload = Buffer.from(format === 'txml' ? orderBodyAsTxml(body) : JSON.stringify(body));
  const headers: Record<string, string | number> = {
    'User-Agent': 'Tradecloud-Webhook-Simulator (tradecloud simulate)',
    Accept: 'application/json',
    'Content-Type': format === 'txml' ? 'application/xml' : 'application/json',
    'Content-Length': payload.length,
  };
  if (authorization) headers.Authorization = authorization;
  return httpExchange(new URL(url), { method: 'POST', headers, payload, ca, timeoutMs });
}

export interface AuthSettings {
  auth?: string;
  username?: string;
  password?: string;
  token?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

export interface ResolvedAuth {
  authorization?: string;
  /** What is used, for the first output line; never the secret itself. */
  description: string;
}

/**
 * The credentials to send: explicit options first, then the receiver's own variables
 * (WEBHOOK_BASIC_*, WEBHOOK_BEARER_TOKENS) on this machine, then the development credentials
 * a local `npm start` generated in DATA_DIR/credentials.json.
 */
export async function resolveAuth(settings: AuthSettings, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedAuth> {
  const dev = readDevCredentials(env);
  const scheme = settings.auth ?? (settings.tokenUrl ? 'oauth' : settings.token ? 'bearer' : 'basic');
  if (scheme === 'none') return { description: 'no credentials' };
  if (scheme === 'basic') {
    const username = settings.username ?? env.WEBHOOK_BASIC_USERNAME ?? dev?.basic.username;
    const password = settings.password ?? env.WEBHOOK_BASIC_PASSWORD ?? dev?.basic.password;
    if (!username || !password) {
      if (settings.auth) throw usageError('--auth basic needs --username and --password (or WEBHOOK_BASIC_USERNAME/WEBHOOK_BASIC_PASSWORD)');
      return { description: 'no credentials (none given or found)' };
    }
    return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, description: `Basic user "${username}"` };
  }
  if (scheme === 'bearer') {
    const token = settings.token ?? env.WEBHOOK_BEARER_TOKENS?.split(',')[0]?.trim() ?? dev?.bearerToken;
    if (!token) throw usageError('--auth bearer needs --token (or WEBHOOK_BEARER_TOKENS)');
    return { authorization: `Bearer ${token}`, description: 'a static Bearer token' };
  }
  if (scheme === 'oauth') {
    const clientSecret = settings.clientSecret ?? env.OAUTH_CLIENT_SECRET;
    if (!settings.tokenUrl || !settings.clientId || !clientSecret || !settings.scope) {
      throw usageError('--auth oauth needs --token-url, --client-id, --client-secret (or OAUTH_CLIENT_SECRET) and --scope');
    }
    const token = await clientCredentialsToken(settings.tokenUrl, settings.clientId, clientSecret, settings.scope);
    return { authorization: `Bearer ${token}`, description: `an OAuth token of client ${settings.clientId} from ${new URL(settings.tokenUrl).origin}` };
  }
  throw usageError(`--auth must be basic, bearer, oauth or none, got "${scheme}"`);
}

/** The OAuth 2.0 client-credentials grant, as Tradecloud requests its Entra token (form body, `.default` scope). */
async function clientCredentialsToken(tokenUrl: string, clientId: string, clientSecret: string, scope: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope }),
    });
  } catch (error) {
    throw new CliError(`Token request to ${tokenUrl} failed: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new CliError(`Token request refused (${response.status}): ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  }
  return body.access_token;
}

function readDevCredentials(env: NodeJS.ProcessEnv): { basic: { username: string; password: string }; bearerToken: string } | undefined {
  try {
    const file = path.resolve(env.DATA_DIR?.trim() || '.data', 'credentials.json');
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed?.basic?.password === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
