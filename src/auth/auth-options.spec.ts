import { describe, expect, it } from 'vitest';
import { resolveAuthOptions, TradecloudAuthOptions, WebhookOAuthOptions } from './auth-options';

const oauth: WebhookOAuthOptions = {
  jwksUri: 'https://login.microsoftonline.com/tenant/discovery/v2.0/keys',
  issuers: ['https://sts.windows.net/tenant/'],
  audiences: ['api://tradecloud-webhooks'],
};

function resolve(options: TradecloudAuthOptions | undefined) {
  const problems: string[] = [];
  const resolved = resolveAuthOptions(options, problems);
  return { resolved, problems };
}

describe('resolveAuthOptions', () => {
  it('defaults to enabled authentication with no scheme: every kind refuses everything', () => {
    const { resolved, problems } = resolve(undefined);
    expect(problems).toEqual([]);
    expect(resolved.disabled).toBe(false);
    expect(resolved.realm).toBe('tradecloud-webhooks');
    expect(resolved.kinds.orders.schemes).toEqual([]);
    expect(resolved.kinds.shipments.schemes).toEqual([]);
  });

  it('applies the top-level schemes to every kind, but OAuth not to shipments, with the documented OAuth defaults', () => {
    const { resolved, problems } = resolve({ basic: [{ username: 'tc', password: 'pw' }], bearerTokens: ['static-1'], oauth });
    expect(problems).toEqual([]);
    expect(resolved.kinds.orders.schemes).toEqual(['basic', 'bearer', 'oauth']);
    expect(resolved.kinds['order-documents'].schemes).toEqual(['basic', 'bearer', 'oauth']);
    expect(resolved.kinds.shipments.schemes).toEqual(['basic', 'bearer']);
    expect(resolved.kinds.orders.oauth).toMatchObject({
      clockToleranceSeconds: 60,
      jwksCacheMaxAgeMs: 3_600_000,
      jwksRefetchCooldownMs: 30_000,
      jwksTimeoutMs: 5_000,
      clientIds: undefined,
      requiredRole: undefined,
    });
  });

  it('lets a kind override each scheme, and enables OAuth on shipments only when asked', () => {
    const { resolved, problems } = resolve({
      basic: [{ username: 'tc', password: 'pw' }],
      oauth,
      kinds: {
        orders: { basic: [], bearerTokens: ['orders-only'] },
        'order-documents': { oauth: false },
        shipments: { oauth: true },
      },
    });
    expect(problems).toEqual([]);
    expect(resolved.kinds.orders.schemes).toEqual(['bearer', 'oauth']);
    expect(resolved.kinds['order-documents'].schemes).toEqual(['basic']);
    expect(resolved.kinds.shipments.schemes).toEqual(['basic', 'oauth']);
    expect(resolved.kinds.shipments.oauth?.jwksUri).toBe(oauth.jwksUri);
  });

  it('takes a kind-specific OAuth configuration', () => {
    const own = { ...oauth, audiences: ['api://shipments'], requiredRole: 'Shipments.Send' };
    const { resolved } = resolve({ kinds: { shipments: { oauth: own } } });
    expect(resolved.kinds.shipments.oauth).toMatchObject({ audiences: ['api://shipments'], requiredRole: 'Shipments.Send' });
    expect(resolved.kinds.orders.oauth).toBeUndefined();
  });

  it('requires a scheme per kind when requireCredentials is on, naming the kind and the options', () => {
    const { problems } = resolve({ requireCredentials: true, oauth });
    expect(problems).toEqual([
      expect.stringMatching(/webhook kind "shipments" has no authentication scheme configured \(set "auth.basic", "auth.bearerTokens" or "auth.kinds.shipments.oauth"\)/),
    ]);
    expect(resolve({ requireCredentials: true }).problems).toHaveLength(3);
    expect(resolve({ requireCredentials: true, bearerTokens: ['t'] }).problems).toEqual([]);
  });

  it('takes requireCredentials from NODE_ENV by default', () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(resolve({}).resolved.requireCredentials).toBe(true);
      expect(resolve({}).problems).toHaveLength(3);
    } finally {
      process.env.NODE_ENV = previous;
    }
    expect(resolve({}).resolved.requireCredentials).toBe(false);
  });

  it('refuses disabled authentication where credentials are required', () => {
    expect(resolve({ disabled: true, requireCredentials: true }).problems).toContain(
      '"auth.disabled" cannot be true when "auth.requireCredentials" is on (NODE_ENV=production)',
    );
    expect(resolve({ disabled: true }).problems).toEqual([]);
  });

  it.each<[string, TradecloudAuthOptions, RegExp]>([
    ['a username with a colon', { basic: [{ username: 'a:b', password: 'hunter2-secret' }] }, /"auth.basic\[0\].username" must be/],
    ['an empty password', { basic: [{ username: 'tc', password: '' }] }, /"auth.basic\[0\].password" must be a non-empty string/],
    ['a token with a space', { bearerTokens: ['hunter2 secret'] }, /"auth.bearerTokens\[0\]" must be a non-empty string of visible ASCII/],
    ['a per-kind token with a comma', { kinds: { orders: { bearerTokens: ['ok', 'hunter2,secret'] } } }, /"auth.kinds.orders.bearerTokens\[1\]"/],
    ['plain http JWKS', { oauth: { ...oauth, jwksUri: 'http://idp.example.com/keys' } }, /"auth.oauth.jwksUri" must be an https:\/\/ URL/],
    ['no issuers', { oauth: { ...oauth, issuers: [] } }, /"auth.oauth.issuers" must be a non-empty array/],
    ['no audiences', { oauth: { ...oauth, audiences: undefined as never } }, /"auth.oauth.audiences" must be a non-empty array/],
    ['an empty client id list', { oauth: { ...oauth, clientIds: [] } }, /"auth.oauth.clientIds" must be a non-empty array/],
    ['more than 60 s skew', { oauth: { ...oauth, clockToleranceSeconds: 300 } }, /"auth.oauth.clockToleranceSeconds" must be an integer from 0 to 60, got 300/],
    ['shipments OAuth without settings', { kinds: { shipments: { oauth: true } } }, /"auth.kinds.shipments.oauth" is true but "auth.oauth" is not set/],
    ['an unknown kind', { kinds: { invoices: {} } as never }, /"auth.kinds.invoices" is not a webhook kind/],
    ['a quote in the realm', { realm: 'a"b' }, /"auth.realm" must be printable ASCII/],
    [
      'a JWT-shaped static token next to OAuth',
      { oauth, bearerTokens: ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'] },
      /a static bearer token of "auth.kinds.orders" looks like a JWT/,
    ],
  ])('reports %s by option path, without echoing secrets', (_label, options, message) => {
    const { problems } = resolve(options);
    expect(problems.join('\n')).toMatch(message);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('accepts http JWKS on loopback (local identity providers and tests)', () => {
    expect(resolve({ oauth: { ...oauth, jwksUri: 'http://127.0.0.1:8080/keys' } }).problems).toEqual([]);
    expect(resolve({ oauth: { ...oauth, jwksUri: 'http://localhost/keys' } }).problems).toEqual([]);
  });
});
