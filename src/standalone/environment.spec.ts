import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, nestLogLevels, readEnvironment } from './environment';
import { standaloneAuthOptions } from './standalone-app.module';

/** The problems of an environment that must be refused. */
function problemsOf(env: Record<string, string>, cwd?: string): string[] {
  try {
    readEnvironment(env, cwd);
  } catch (error) {
    if (error instanceof EnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('the environment was accepted');
}

const OAUTH_ENV = {
  WEBHOOK_OAUTH_JWKS_URI: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
  WEBHOOK_OAUTH_ISSUERS: 'https://sts.windows.net/t/, https://login.microsoftonline.com/t/v2.0',
  WEBHOOK_OAUTH_AUDIENCES: 'api://tradecloud-webhooks,4b7e2c1a-0000-4000-8000-000000000000',
};

describe('readEnvironment', () => {
  it('fills in the documented defaults', () => {
    const environment = readEnvironment({}, '/srv/app');
    expect(environment).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseSchema: 'tradecloud',
      databaseMigrationsRun: true,
      databasePoolSize: 10,
      logLevel: 'info',
      dataDir: '/srv/app/.data',
      production: false,
      queue: { concurrency: 2, batchSize: 32, attempts: 8, retryDelaySeconds: 2, jobTimeoutSeconds: 60, maintenanceIntervalSeconds: 30, workers: true },
    });
  });

  it('reads the QUEUE_* variables and names a wrong one', () => {
    const environment = readEnvironment({
      QUEUE_CONCURRENCY: '16',
      QUEUE_BATCH_SIZE: '32',
      QUEUE_BATCH_BODY_BYTES: '1048576',
      QUEUE_ATTEMPTS: '3',
      QUEUE_RETRY_DELAY_SECONDS: '5',
      QUEUE_JOB_TIMEOUT_SECONDS: '120',
      QUEUE_MAINTENANCE_INTERVAL_SECONDS: '10',
      QUEUE_WORKERS: 'false',
    });
    expect(environment.queue).toEqual({
      concurrency: 16,
      batchSize: 32,
      batchBodyBytes: 1_048_576,
      attempts: 3,
      retryDelaySeconds: 5,
      jobTimeoutSeconds: 120,
      maintenanceIntervalSeconds: 10,
      workers: false,
    });
    expect(() => readEnvironment({ QUEUE_JOB_TIMEOUT_SECONDS: '2' })).toThrow(
      'Configuration error: QUEUE_JOB_TIMEOUT_SECONDS must be an integer from 5 to 86400, got "2"',
    );
    expect(() => readEnvironment({ QUEUE_BATCH_BODY_BYTES: '1000' })).toThrow('QUEUE_BATCH_BODY_BYTES must be an integer from 65536 to 1073741824, got "1000"');
  });

  it('reads every variable', () => {
    const environment = readEnvironment(
      {
        PORT: '8080',
        DATABASE_URL: 'postgresql://u:p@db:5432/erp',
        DATABASE_SCHEMA: 'tc',
        DATABASE_MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'DEBUG',
        DATA_DIR: '/var/lib/tc',
        NODE_ENV: 'production',
        WEBHOOK_BEARER_TOKENS: 'token-a',
      },
      '/srv/app',
    );
    expect(environment).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://u:p@db:5432/erp',
      databaseSchema: 'tc',
      databaseMigrationsRun: false,
      logLevel: 'debug',
      dataDir: '/var/lib/tc',
      production: true,
    });
  });

  it('reports every wrong variable at once, by name, without echoing a URL that may hold a password', () => {
    let error: EnvironmentError | undefined;
    try {
      readEnvironment({ PORT: '70000', DATABASE_URL: 'mysql://u:hunter2@db/x', LOG_LEVEL: 'chatty' });
    } catch (caught) {
      error = caught as EnvironmentError;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toContain('Configuration error: PORT must be an integer from 0 to 65535, got "70000"');
    expect(error!.message).toContain('Configuration error: DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(error!.message).toContain('LOG_LEVEL must be one of error, warn, info, debug, trace, got "chatty"');
    expect(error!.message).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    expect(readEnvironment({ PORT: '', DATABASE_URL: ' ' }).port).toBe(3000);
  });

  it('maps LOG_LEVEL to cumulative Nest levels', () => {
    expect(nestLogLevels('error')).toEqual(['fatal', 'error']);
    expect(nestLogLevels('info')).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(nestLogLevels('trace')).toContain('verbose');
  });

  it('has no webhook credentials and plain HTTP by default', () => {
    expect(readEnvironment({}).webhookAuth).toEqual({ disabled: false, basic: [], bearerTokens: [], oauth: undefined, shipmentsOAuthEnabled: false });
    expect(readEnvironment({}).tls).toBeUndefined();
  });

  it('reads Basic pairs, rotated bearer tokens and OAuth settings', () => {
    const { webhookAuth } = readEnvironment({
      WEBHOOK_BASIC_USERNAME: 'tradecloud',
      WEBHOOK_BASIC_PASSWORD: 'pass:with:colons',
      WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS: 'next:second-pw, third:pw:3',
      WEBHOOK_BEARER_TOKENS: ' token-a , token-b,,',
      ...OAUTH_ENV,
      WEBHOOK_OAUTH_CLIENT_IDS: 'client-1,client-2',
      WEBHOOK_OAUTH_REQUIRED_ROLE: 'Webhook.Send',
      WEBHOOK_SHIPMENTS_OAUTH_ENABLED: 'true',
    });
    expect(webhookAuth).toEqual({
      disabled: false,
      basic: [
        { username: 'tradecloud', password: 'pass:with:colons' },
        { username: 'next', password: 'second-pw' },
        { username: 'third', password: 'pw:3' },
      ],
      bearerTokens: ['token-a', 'token-b'],
      oauth: {
        jwksUri: OAUTH_ENV.WEBHOOK_OAUTH_JWKS_URI,
        issuers: ['https://sts.windows.net/t/', 'https://login.microsoftonline.com/t/v2.0'],
        audiences: ['api://tradecloud-webhooks', '4b7e2c1a-0000-4000-8000-000000000000'],
        clientIds: ['client-1', 'client-2'],
        requiredRole: 'Webhook.Send',
      },
      shipmentsOAuthEnabled: true,
    });
  });

  it('maps the variables to module options: every kind, OAuth on shipments only when enabled, production requires credentials', () => {
    const environment = readEnvironment({ NODE_ENV: 'production', WEBHOOK_BEARER_TOKENS: 'token-a', ...OAUTH_ENV });
    const options = standaloneAuthOptions(environment);
    expect(options).toMatchObject({ disabled: false, requireCredentials: true, basic: [], bearerTokens: ['token-a'], kinds: undefined });
    expect(options.oauth?.issuers).toHaveLength(2);
    const withShipments = standaloneAuthOptions(readEnvironment({ ...OAUTH_ENV, WEBHOOK_SHIPMENTS_OAUTH_ENABLED: 'yes' }));
    expect(withShipments.kinds).toEqual({ shipments: { oauth: true } });
    const dev = standaloneAuthOptions(readEnvironment({}), { basic: { username: 'tradecloud', password: 'p'.repeat(32) }, bearerToken: 't'.repeat(40) });
    expect(dev).toMatchObject({ requireCredentials: false, basic: [{ username: 'tradecloud' }], bearerTokens: ['t'.repeat(40)] });
  });

  it.each<[string, Record<string, string>, string]>([
    ['a username without password', { WEBHOOK_BASIC_USERNAME: 'tc' }, 'WEBHOOK_BASIC_PASSWORD must be set together with WEBHOOK_BASIC_USERNAME'],
    ['a password without username', { WEBHOOK_BASIC_PASSWORD: 'hunter2-secret' }, 'WEBHOOK_BASIC_USERNAME must be set together with WEBHOOK_BASIC_PASSWORD'],
    ['a username with a colon', { WEBHOOK_BASIC_USERNAME: 'a:b', WEBHOOK_BASIC_PASSWORD: 'hunter2-secret' }, 'WEBHOOK_BASIC_USERNAME must not contain ":", got "a:b"'],
    [
      'an additional pair without colon',
      { WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS: 'ok:pw,hunter2-secret' },
      'WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS entry 2 must be username:password (value not shown: it may contain a secret)',
    ],
    [
      'a token with a space',
      { WEBHOOK_BEARER_TOKENS: 'hunter2 secret' },
      'WEBHOOK_BEARER_TOKENS entry 1 must be visible ASCII characters without spaces (value not shown: it may contain a secret)',
    ],
    ['a plain-http JWKS', { ...OAUTH_ENV, WEBHOOK_OAUTH_JWKS_URI: 'http://idp.example.com/keys' }, 'WEBHOOK_OAUTH_JWKS_URI must be an https:// URL'],
    ['a JWKS without issuers', { ...OAUTH_ENV, WEBHOOK_OAUTH_ISSUERS: '' }, 'WEBHOOK_OAUTH_ISSUERS must be set with WEBHOOK_OAUTH_JWKS_URI'],
    ['a JWKS without audiences', { ...OAUTH_ENV, WEBHOOK_OAUTH_AUDIENCES: ' , ' }, 'WEBHOOK_OAUTH_AUDIENCES must be set with WEBHOOK_OAUTH_JWKS_URI'],
    ['a role without OAuth', { WEBHOOK_OAUTH_REQUIRED_ROLE: 'Webhook.Send' }, 'WEBHOOK_OAUTH_REQUIRED_ROLE only applies with WEBHOOK_OAUTH_JWKS_URI, which is not set'],
    ['shipments OAuth without OAuth', { WEBHOOK_SHIPMENTS_OAUTH_ENABLED: 'true' }, 'WEBHOOK_SHIPMENTS_OAUTH_ENABLED=true needs WEBHOOK_OAUTH_JWKS_URI'],
    ['a non-boolean WEBHOOK_AUTH_DISABLED', { WEBHOOK_AUTH_DISABLED: 'perhaps' }, 'WEBHOOK_AUTH_DISABLED must be true or false, got "perhaps"'],
    ['disabled authentication in production', { NODE_ENV: 'production', WEBHOOK_AUTH_DISABLED: 'true' }, 'WEBHOOK_AUTH_DISABLED=true is refused when NODE_ENV=production'],
    ['production without credentials', { NODE_ENV: 'production' }, 'but orders, order documents, shipments would have none: set WEBHOOK_BASIC_USERNAME'],
    ['production with OAuth only', { NODE_ENV: 'production', ...OAUTH_ENV }, 'but shipments would have none'],
    ['a TLS certificate without key', { TLS_CERT_FILE: __filename }, 'TLS_KEY_FILE must be set together with TLS_CERT_FILE'],
    ['a TLS CA without certificate', { TLS_CA_FILE: __filename }, 'TLS_CA_FILE only applies with TLS_CERT_FILE and TLS_KEY_FILE'],
    ['an unreadable TLS key', { TLS_CERT_FILE: __filename, TLS_KEY_FILE: '/nonexistent/server.key' }, 'TLS_KEY_FILE cannot be read: /nonexistent/server.key (ENOENT)'],
  ])('refuses %s with a line naming the variable, never echoing a secret', (_label, env, message) => {
    const problems = problemsOf(env);
    expect(problems.join('\n')).toContain(message);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('reads METRICS_TOKEN and SHUTDOWN_TIMEOUT_MS, never echoing the token', () => {
    expect(readEnvironment({})).toMatchObject({ metricsToken: undefined, shutdownTimeoutMs: 10_000 });
    expect(readEnvironment({ METRICS_TOKEN: 'scrape-me', SHUTDOWN_TIMEOUT_MS: '30000' })).toMatchObject({ metricsToken: 'scrape-me', shutdownTimeoutMs: 30_000 });
    const problems = problemsOf({ METRICS_TOKEN: 'has space', SHUTDOWN_TIMEOUT_MS: '-1' });
    expect(problems).toEqual([
      'METRICS_TOKEN must be visible ASCII characters without spaces (value not shown: it may contain a secret)',
      'SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 600000, got "-1"',
    ]);
  });

  it('accepts production with credentials for every kind', () => {
    expect(readEnvironment({ NODE_ENV: 'production', WEBHOOK_BEARER_TOKENS: 't' }).production).toBe(true);
    expect(readEnvironment({ NODE_ENV: 'production', ...OAUTH_ENV, WEBHOOK_SHIPMENTS_OAUTH_ENABLED: 'true' }).webhookAuth.oauth).toBeDefined();
  });

  it('resolves TLS files against the working directory', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-env-tls-'));
    try {
      for (const name of ['server.crt', 'server.key', 'chain.crt']) writeFileSync(path.join(folder, name), 'pem');
      expect(readEnvironment({ TLS_CERT_FILE: 'server.crt', TLS_KEY_FILE: 'server.key', TLS_CA_FILE: 'chain.crt' }, folder).tls).toEqual({
        certFile: path.join(folder, 'server.crt'),
        keyFile: path.join(folder, 'server.key'),
        caFile: path.join(folder, 'chain.crt'),
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
