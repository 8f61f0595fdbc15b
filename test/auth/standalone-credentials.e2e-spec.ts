import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeEntra, requestClientCredentialsToken } from '../support/fake-entra/fake-entra';
import { runUntilExit, startStandaloneProcess } from '../support/standalone-process';
import { useDatabase } from '../support/receiver-fixture';

const CONFIGURED = {
  password: 'configured-Password-8d7c6b',
  additionalPassword: 'additional-Password-1a2b3c',
  token: 'configured-token-4f5e6d7c8b',
  rotatedToken: 'configured-token-9a8b7c6d5e',
};

/** The compiled service (`node dist/src/main.js`), as a newcomer and as production start it. */
describe('standalone service: webhook credentials from the environment', () => {
  const database = useDatabase('auth_standalone');
  const folders: string[] = [];
  const dataDir = () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-credentials-e2e-'));
    folders.push(folder);
    return folder;
  };
  const postOrder = (baseUrl: string, authorization?: string) =>
    fetch(`${baseUrl}/tradecloud/webhooks/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: '{}',
    }).then((response) => response.status);
  const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  afterAll(async () => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('generates development credentials on the first start, prints them with a curl line, and reuses them on the next', async () => {
    const folder = dataDir();
    const env = { DATABASE_URL: database.url, DATABASE_SCHEMA: 'tc_dev_credentials', DATA_DIR: folder, NODE_ENV: 'development' };
    const first = await startStandaloneProcess(env);
    let password: string;
    try {
      const file = path.join(folder, 'credentials.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { basic: { username: string; password: string }; bearerToken: string };
      password = stored.basic.password;
      const output = first.output();
      expect(output).toContain(`using development credentials (generated now) from ${file}`);
      expect(output).toContain(`Basic:  username tradecloud  password ${password}`);
      expect(output).toContain(`Bearer: ${stored.bearerToken}`);
      expect(output).toContain(
        `curl -i -u 'tradecloud:${password}' -H 'Content-Type: application/json' --data '{}' ${first.url}/tradecloud/webhooks/orders`,
      );
      // the printed credentials work, and nothing works without them
      expect(await postOrder(first.url)).toBe(401);
      expect(await postOrder(first.url, basic('tradecloud', password))).not.toBeOneOf([401, 404]);
      expect(await postOrder(first.url, `Bearer ${stored.bearerToken}`)).not.toBeOneOf([401, 404]);
      expect(await postOrder(first.url, basic('tradecloud', `${password}x`))).toBe(401);
    } finally {
      expect(await first.stop('SIGINT')).toBe(0);
    }

    const second = await startStandaloneProcess(env);
    try {
      expect(second.output()).toContain('using development credentials (kept from an earlier start)');
      expect(second.output()).toContain(`password ${password}`);
      expect(await postOrder(second.url, basic('tradecloud', password))).not.toBeOneOf([401, 404]);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('uses configured credentials (several Basic pairs, rotated tokens) and never prints them', async () => {
    const folder = dataDir();
    const receiver = await startStandaloneProcess({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_configured_credentials',
      DATA_DIR: folder,
      WEBHOOK_BASIC_USERNAME: 'tradecloud',
      WEBHOOK_BASIC_PASSWORD: CONFIGURED.password,
      WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS: `tradecloud-next:${CONFIGURED.additionalPassword}`,
      WEBHOOK_BEARER_TOKENS: `${CONFIGURED.token}, ${CONFIGURED.rotatedToken}`,
      LOG_LEVEL: 'trace',
    });
    try {
      expect(await postOrder(receiver.url, basic('tradecloud', CONFIGURED.password))).not.toBeOneOf([401, 404]);
      expect(await postOrder(receiver.url, basic('tradecloud-next', CONFIGURED.additionalPassword))).not.toBeOneOf([401, 404]);
      expect(await postOrder(receiver.url, `Bearer ${CONFIGURED.token}`)).not.toBeOneOf([401, 404]);
      expect(await postOrder(receiver.url, `Bearer ${CONFIGURED.rotatedToken}`)).not.toBeOneOf([401, 404]);
      expect(await postOrder(receiver.url, basic('tradecloud', CONFIGURED.additionalPassword))).toBe(401);
      expect(receiver.output()).toContain('Webhook kind shipments accepts Basic (users "tradecloud", "tradecloud-next"), static Bearer (2 tokens)');
      // Logged with the refusal; the line arrives through the output pipe, possibly after the answer.
      await expect.poll(() => receiver.output()).toMatch(/wrong password for Basic user "tradecloud"/);
      expect(existsSync(path.join(folder, 'credentials.json'))).toBe(false);
    } finally {
      await receiver.stop('SIGINT');
    }
    for (const secret of Object.values(CONFIGURED)) expect(receiver.output()).not.toContain(secret);
  });

  it('verifies OAuth tokens configured through WEBHOOK_OAUTH_*', async () => {
    const entra = await FakeEntra.start();
    const receiverApp = { applicationIdUri: 'api://tradecloud-webhooks', clientId: 'c0ffee00-0000-4000-8000-000000000001', accessTokenVersion: 1 as const };
    const tradecloud = { clientId: 'c0ffee00-0000-4000-8000-000000000002', clientSecret: 'tc~secret~e2e', roles: ['Webhook.Send'] };
    const stranger = { clientId: 'c0ffee00-0000-4000-8000-000000000003', clientSecret: 'stranger~secret~e2e', roles: ['Webhook.Send'] };
    entra.registerResource(receiverApp);
    entra.registerClient(tradecloud);
    entra.registerClient(stranger);
    const token = (client: typeof tradecloud) =>
      requestClientCredentialsToken(entra.tokenEndpoint(), { ...client, scope: `${receiverApp.applicationIdUri}/.default` });
    const receiver = await startStandaloneProcess({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_oauth_env',
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      WEBHOOK_BEARER_TOKENS: CONFIGURED.token,
      WEBHOOK_OAUTH_JWKS_URI: entra.jwksUri(),
      WEBHOOK_OAUTH_ISSUERS: `${entra.issuer(1)},${entra.issuer(2)}`,
      WEBHOOK_OAUTH_AUDIENCES: receiverApp.applicationIdUri,
      WEBHOOK_OAUTH_CLIENT_IDS: tradecloud.clientId,
      WEBHOOK_OAUTH_REQUIRED_ROLE: 'Webhook.Send',
    });
    try {
      expect(await postOrder(receiver.url, `Bearer ${await token(tradecloud)}`)).not.toBeOneOf([401, 404]);
      expect(await postOrder(receiver.url, `Bearer ${await token(stranger)}`)).toBe(401);
      await expect.poll(() => receiver.output()).toContain(`client id "${stranger.clientId}" is not allowed`);
    } finally {
      await receiver.stop('SIGINT');
      await entra.close();
    }
  });

  it('WEBHOOK_AUTH_DISABLED=true opens the webhooks with a loud warning, and generates nothing', async () => {
    const folder = dataDir();
    const receiver = await startStandaloneProcess({ DATABASE_URL: database.url, DATABASE_SCHEMA: 'tc_auth_disabled', DATA_DIR: folder, WEBHOOK_AUTH_DISABLED: 'true' });
    try {
      expect(receiver.output()).toMatch(/WEBHOOK AUTHENTICATION IS DISABLED/);
      expect(await postOrder(receiver.url)).not.toBeOneOf([401, 404]);
      expect(existsSync(path.join(folder, 'credentials.json'))).toBe(false);
    } finally {
      await receiver.stop('SIGINT');
    }
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'no credentials at all',
      {},
      /Configuration error: NODE_ENV=production requires webhook authentication, but orders, order documents, shipments would have none: set WEBHOOK_BASIC_USERNAME and WEBHOOK_BASIC_PASSWORD, or WEBHOOK_BEARER_TOKENS \(or WEBHOOK_OAUTH_JWKS_URI, WEBHOOK_OAUTH_ISSUERS and WEBHOOK_OAUTH_AUDIENCES for orders and order documents\)/,
    ],
    [
      'OAuth only (shipments would be open)',
      {
        WEBHOOK_OAUTH_JWKS_URI: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
        WEBHOOK_OAUTH_ISSUERS: 'https://sts.windows.net/t/',
        WEBHOOK_OAUTH_AUDIENCES: 'api://tradecloud-webhooks',
      },
      /but shipments would have none: .*WEBHOOK_SHIPMENTS_OAUTH_ENABLED=true/,
    ],
    ['WEBHOOK_AUTH_DISABLED=true', { WEBHOOK_AUTH_DISABLED: 'true' }, /Configuration error: WEBHOOK_AUTH_DISABLED=true is refused when NODE_ENV=production/],
  ])('refuses to start in production with %s, naming the variables', async (_label, env, message) => {
    const folder = dataDir();
    const result = await runUntilExit({ DATABASE_URL: database.url, DATA_DIR: folder, NODE_ENV: 'production', ...env });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(message);
    expect(result.output).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(folder, 'credentials.json'))).toBe(false);
  });
});
