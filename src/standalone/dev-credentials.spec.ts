import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { looksLikeJwt } from '../auth/authorization-header';
import { describeDevCredentials, loadOrCreateDevCredentials, needsDevCredentials } from './dev-credentials';
import { readEnvironment } from './environment';

describe('development credentials', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tradecloud-dev-credentials-')), 'nested', '.data');
  });
  afterEach(() => {
    rmSync(path.dirname(path.dirname(dataDir)), { recursive: true, force: true });
  });

  it('are only generated outside production, when nothing is configured and authentication is not disabled', () => {
    expect(needsDevCredentials(readEnvironment({}))).toBe(true);
    expect(needsDevCredentials(readEnvironment({ WEBHOOK_BEARER_TOKENS: 't' }))).toBe(false);
    expect(needsDevCredentials(readEnvironment({ WEBHOOK_BASIC_USERNAME: 'u', WEBHOOK_BASIC_PASSWORD: 'p' }))).toBe(false);
    expect(needsDevCredentials(readEnvironment({ WEBHOOK_AUTH_DISABLED: 'true' }))).toBe(false);
    expect(needsDevCredentials(readEnvironment({ NODE_ENV: 'production', WEBHOOK_BEARER_TOKENS: 't' }))).toBe(false);
  });

  it('are generated once, random, readable by the owner only, and reused afterwards', () => {
    const first = loadOrCreateDevCredentials(dataDir);
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(dataDir, 'credentials.json'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(first.credentials.basic.username).toBe('tradecloud');
    expect(first.credentials.basic.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.credentials.bearerToken).toMatch(/^tcdev_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeJwt(first.credentials.bearerToken)).toBe(false);

    const second = loadOrCreateDevCredentials(dataDir);
    expect(second).toEqual({ ...first, created: false });

    const elsewhere = loadOrCreateDevCredentials(`${dataDir}-other`);
    expect(elsewhere.credentials.basic.password).not.toBe(first.credentials.basic.password);
    rmSync(`${dataDir}-other`, { recursive: true, force: true });
  });

  it('tightens a credentials file that others could read', () => {
    const { file } = loadOrCreateDevCredentials(dataDir);
    chmodSync(file, 0o644);
    loadOrCreateDevCredentials(dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged file instead of silently replacing the credentials', () => {
    const { file } = loadOrCreateDevCredentials(dataDir);
    writeFileSync(file, '{"basic":{"username":"tradecloud"}}');
    expect(() => loadOrCreateDevCredentials(dataDir)).toThrow(`${file} does not hold valid development credentials: delete it to generate new ones`);
    expect(readFileSync(file, 'utf8')).toBe('{"basic":{"username":"tradecloud"}}');
  });

  it('describes them with a ready-to-paste curl command', () => {
    const loaded = loadOrCreateDevCredentials(dataDir);
    const lines = describeDevCredentials(loaded, 'http://localhost:3000', '/tradecloud/webhooks');
    const { password } = loaded.credentials.basic;
    expect(lines[0]).toContain('(generated now)');
    expect(lines).toContain(`  Bearer: ${loaded.credentials.bearerToken}`);
    expect(lines.at(-1)).toBe(
      `  Try:    curl -i -u 'tradecloud:${password}' -H 'Content-Type: application/json' --data '{}' http://localhost:3000/tradecloud/webhooks/orders`,
    );
  });
});
