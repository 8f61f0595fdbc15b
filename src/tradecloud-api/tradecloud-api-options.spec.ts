import { describe, expect, it } from 'vitest';
import { readTradecloudApiEnvironment, resolveTradecloudApiOptions, TRADECLOUD_ACCEPTANCE_API_URL } from './tradecloud-api-options';

describe('resolveTradecloudApiOptions', () => {
  it('leaves the API unconfigured without a base URL, with the documented defaults', () => {
    const problems: string[] = [];
    expect(resolveTradecloudApiOptions(undefined, problems)).toEqual({
      configured: false,
      baseUrl: undefined,
      username: undefined,
      password: undefined,
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseDelayMs: 250,
      retryMaxDelayMs: 5_000,
      requestsPerSecond: 10,
      tokenRefreshIntervalMs: 540_000,
    });
    expect(problems).toEqual([]);
  });

  it('accepts a full configuration and strips the trailing slash', () => {
    const problems: string[] = [];
    const resolved = resolveTradecloudApiOptions(
      { baseUrl: 'https://api.tradecloud1.com/v2/', username: 'int@buyer.example', password: 'p', requestsPerSecond: 5 },
      problems,
    );
    expect(problems).toEqual([]);
    expect(resolved).toMatchObject({ configured: true, baseUrl: 'https://api.tradecloud1.com/v2', requestsPerSecond: 5 });
  });

  it.each([
    [{ baseUrl: 'ftp://api.example/v2', username: 'u', password: 'p' }, '"tradecloudApi.baseUrl" must be an http(s) URL'],
    [{ baseUrl: 'not a url', username: 'u', password: 'p' }, '"tradecloudApi.baseUrl" must be an http(s) URL'],
    [{ baseUrl: 'https://u:hunter2@api.example/v2', username: 'u', password: 'p' }, '"tradecloudApi.baseUrl" must not contain credentials'],
    [{ baseUrl: 'https://api.example/v2' }, '"tradecloudApi.username" is required when "tradecloudApi.baseUrl" is set'],
    [{ baseUrl: 'https://api.example/v2', username: 'u' }, '"tradecloudApi.password" is required'],
    [{ username: 'u', password: 'p' }, '"tradecloudApi.baseUrl" is required when'],
    [{ timeoutMs: 0 }, '"tradecloudApi.timeoutMs" must be an integer from 1 to 600000, got 0'],
    [{ maxRetries: -1 }, '"tradecloudApi.maxRetries" must be an integer from 0 to 20, got -1'],
    [{ requestsPerSecond: 2.5 }, '"tradecloudApi.requestsPerSecond" must be an integer'],
  ])('names the option in the problem for %o', (options, expected) => {
    const problems: string[] = [];
    resolveTradecloudApiOptions(options, problems);
    expect(problems.join('\n')).toContain(expected);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('readTradecloudApiEnvironment', () => {
  it('returns undefined (API not configured) without any variable', () => {
    const problems: string[] = [];
    expect(readTradecloudApiEnvironment({}, problems)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('reads the pinned variables, with the acceptance URL as default', () => {
    const problems: string[] = [];
    expect(
      readTradecloudApiEnvironment({ TRADECLOUD_API_USERNAME: 'int@buyer.example', TRADECLOUD_API_PASSWORD: ' s3cret ', TRADECLOUD_API_TIMEOUT_MS: '5000' }, problems),
    ).toEqual({ baseUrl: TRADECLOUD_ACCEPTANCE_API_URL, username: 'int@buyer.example', password: ' s3cret ', timeoutMs: 5000 });
    expect(readTradecloudApiEnvironment({ TRADECLOUD_API_URL: 'https://api.tradecloud1.com/v2', TRADECLOUD_API_USERNAME: 'u', TRADECLOUD_API_PASSWORD: 'p' }, problems)).toMatchObject({
      baseUrl: 'https://api.tradecloud1.com/v2',
    });
    expect(problems).toEqual([]);
  });

  it.each([
    [{ TRADECLOUD_API_PASSWORD: 'Sup3r-Secret' }, 'TRADECLOUD_API_USERNAME is required when TRADECLOUD_API_PASSWORD is set'],
    [{ TRADECLOUD_API_USERNAME: 'u' }, 'TRADECLOUD_API_PASSWORD is required when TRADECLOUD_API_USERNAME is set'],
    [{ TRADECLOUD_API_URL: 'https://api.tradecloud1.com/v2' }, 'TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD are required when TRADECLOUD_API_URL is set'],
    [{ TRADECLOUD_API_URL: 'https://u:Sup3r-Secret@x/v2', TRADECLOUD_API_USERNAME: 'u', TRADECLOUD_API_PASSWORD: 'Sup3r-Secret' }, 'TRADECLOUD_API_URL must not contain credentials'],
    [{ TRADECLOUD_API_URL: 'api.tradecloud1.com', TRADECLOUD_API_USERNAME: 'u', TRADECLOUD_API_PASSWORD: 'Sup3r-Secret' }, 'TRADECLOUD_API_URL must be an http(s) URL'],
    [{ TRADECLOUD_API_USERNAME: 'u', TRADECLOUD_API_PASSWORD: 'Sup3r-Secret', TRADECLOUD_API_TIMEOUT_MS: 'soon' }, 'TRADECLOUD_API_TIMEOUT_MS must be an integer from 1 to 600000 (milliseconds), got "soon"'],
  ])('names the variable and never echoes the password for %o', (env, expected) => {
    const problems: string[] = [];
    readTradecloudApiEnvironment(env, problems);
    expect(problems.join('\n')).toContain(expected);
    expect(problems.join('\n')).not.toContain('Sup3r-Secret');
  });
});
