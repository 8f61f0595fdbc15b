import { describe, expect, it } from 'vitest';
import { EnvironmentError, readEnvironment } from './environment';
import { describeExposure } from './http-server-limits';
import { metricsServed } from './standalone-app.module';

function problemsOf(env: Record<string, string>): string[] {
  try {
    readEnvironment(env, '/srv/app');
  } catch (error) {
    if (error instanceof EnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('the environment was accepted');
}

const PRODUCTION = { NODE_ENV: 'production', WEBHOOK_BEARER_TOKENS: 'a-long-enough-token-0123456789abcdef' };

describe('hardening variables', () => {
  it('defaults: nothing trusted, nothing filtered, explicit server limits; docs off and metrics closed in production', () => {
    const development = readEnvironment({}, '/srv/app');
    expect(development.hardening).toMatchObject({ trustProxy: undefined, allowedSources: undefined, openApiEnabled: true, metricsPublic: false });
    expect(development.hardening.http).toEqual({ headersTimeoutMs: 20_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 65_000, bodyMinBytesPerSecond: 1024 });
    expect(metricsServed(development)).toBe(true);
    const production = readEnvironment(PRODUCTION, '/srv/app');
    expect(production.hardening.openApiEnabled).toBe(false);
    expect(metricsServed(production)).toBe(false);
    expect(describeExposure(production)[0]).toMatch(/\/metrics not served .*\/docs and \/docs-json not served \(NODE_ENV=production; OPENAPI_ENABLED=true serves them\)/);
    expect(metricsServed(readEnvironment({ ...PRODUCTION, METRICS_TOKEN: 'scrape-token' }, '/srv/app'))).toBe(true);
    expect(metricsServed(readEnvironment({ ...PRODUCTION, METRICS_PUBLIC: 'true' }, '/srv/app'))).toBe(true);
    expect(readEnvironment({ ...PRODUCTION, OPENAPI_ENABLED: 'true' }, '/srv/app').hardening.openApiEnabled).toBe(true);
  });

  it('reads TRUST_PROXY and WEBHOOK_ALLOWED_SOURCES', () => {
    const environment = readEnvironment({ TRUST_PROXY: 'loopback, 10.0.0.0/8', WEBHOOK_ALLOWED_SOURCES: 'tradecloud-production, 203.0.113.0/24' }, '/srv/app');
    expect(environment.hardening).toMatchObject({ trustProxy: ['loopback', '10.0.0.0/8'], allowedSources: ['tradecloud-production', '203.0.113.0/24'] });
    expect(readEnvironment({ TRUST_PROXY: '1' }, '/srv/app').hardening.trustProxy).toBe(1);
  });

  it('stops the start naming the variable when a CIDR or name does not parse', () => {
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toEqual([expect.stringMatching(/^TRUST_PROXY must be .*"10\.0\.0\.0\/33" has a prefix length outside 0 to 32/)]);
    expect(problemsOf({ TRUST_PROXY: 'my-proxy' })).toEqual([expect.stringMatching(/^TRUST_PROXY .*"my-proxy" is not an IP address or CIDR/)]);
    expect(problemsOf({ WEBHOOK_ALLOWED_SOURCES: 'tradecloud-staging' })).toEqual([
      expect.stringMatching(/^WEBHOOK_ALLOWED_SOURCES .*"tradecloud-staging" is neither a CIDR nor one of tradecloud-production, tradecloud-acceptance/),
    ]);
    expect(problemsOf({ WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/24, 198.51.100.300' })).toEqual([expect.stringMatching(/^WEBHOOK_ALLOWED_SOURCES .*198\.51\.100\.300/)]);
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'HTTP_REQUEST_TIMEOUT_MS must not be shorter than HTTP_HEADERS_TIMEOUT_MS',
    ]);
  });
});
