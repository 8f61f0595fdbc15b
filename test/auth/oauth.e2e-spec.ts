import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookOAuthOptions } from '../../src/auth/auth-options';
import { FakeEntra, requestClientCredentialsToken } from '../support/fake-entra/fake-entra';
import { hmacWithPublicKey, signedWithForeignKey, unsigned } from '../support/fake-entra/forged-tokens';
import { useDatabase } from '../support/receiver-fixture';
import { AuthTestApp, captureProcessOutput, CapturingLogger, startAuthTestApp } from './auth-test-app';

const V1_RESOURCE = { applicationIdUri: 'api://tradecloud-webhooks-v1', clientId: '6f1f7a4e-0c1d-4a59-9a57-2f1b1a0e9c11', accessTokenVersion: 1 as const };
const V2_RESOURCE = { applicationIdUri: 'api://tradecloud-webhooks-v2', clientId: '0f3b8a2c-7d44-4f0e-8c55-3b9d2e6a1f22', accessTokenVersion: 2 as const };
const OTHER_API = { applicationIdUri: 'api://some-other-api', clientId: 'a9e7c1d3-5b2f-4e6a-9d8c-7f1e2b3a4c55', accessTokenVersion: 2 as const };
const TRADECLOUD = { clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'tc~Client~Secret~Q8w', roles: ['Webhook.Send'] };
const OTHER_CLIENT = { clientId: '99999999-8888-4777-8666-555555555555', clientSecret: 'other~Client~Secret~Z1', roles: ['Webhook.Send'] };
const ROLELESS_CLIENT = { clientId: '77777777-6666-4555-8444-333333333333', clientSecret: 'roleless~Secret~K5' };
const STATIC_TOKEN = 'static-token-next-to-oauth-4c2e';

describe('webhook authentication: OAuth 2.0 client-credentials JWT (fake Entra)', () => {
  const database = useDatabase('auth_oauth');
  let entra: FakeEntra;
  let receiver: AuthTestApp;
  let oauth: WebhookOAuthOptions;
  const logger = new CapturingLogger();
  const output = captureProcessOutput();
  const issued: string[] = [];

  /** A token obtained from the fake Entra exactly as Tradecloud obtains one. */
  const tokenFor = async (client: { clientId: string; clientSecret: string }, resource: { applicationIdUri: string }, tenantId?: string) => {
    const token = await requestClientCredentialsToken(entra.tokenEndpoint(tenantId), {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: `${resource.applicationIdUri}/.default`,
    });
    issued.push(token);
    return token;
  };
  const call = (url: string, path: string, token: string) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const expectRefused = async (token: string, reason: RegExp, path = '/under-test/orders') => {
    const from = logger.lines.length;
    const response = await call(receiver.url, path, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tradecloud-webhooks"');
    expect(await response.json()).toEqual({ statusCode: 401, message: 'Unauthorized' });
    expect(logger.since(from).join('\n')).toMatch(reason);
  };

  beforeAll(async () => {
    entra = await FakeEntra.start();
    for (const resource of [V1_RESOURCE, V2_RESOURCE, OTHER_API]) entra.registerResource(resource);
    for (const client of [TRADECLOUD, OTHER_CLIENT, ROLELESS_CLIENT]) entra.registerClient(client);
    entra.registerResource(V1_RESOURCE, 'other-tenant');
    entra.registerClient(TRADECLOUD, 'other-tenant');
    oauth = {
      jwksUri: entra.jwksUri(),
      issuers: [entra.issuer(1), entra.issuer(2)],
      audiences: [V1_RESOURCE.applicationIdUri, V2_RESOURCE.clientId],
      clientIds: [TRADECLOUD.clientId],
      requiredRole: 'Webhook.Send',
      jwksRefetchCooldownMs: 0,
    };
    receiver = await startAuthTestApp(
      database.url,
      { oauth, bearerTokens: [STATIC_TOKEN], kinds: { shipments: { bearerTokens: [STATIC_TOKEN] }, 'order-documents': { bearerTokens: [] } } },
      logger,
    );
  });
  afterAll(async () => {
    await receiver?.close();
    await entra?.close();
    output.restore();
  });

  it('accepts a valid v1 token (sts.windows.net issuer, Application ID URI audience, appid)', async () => {
    const response = await call(receiver.url, '/under-test/orders', await tokenFor(TRADECLOUD, V1_RESOURCE));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: { kind: 'orders', scheme: 'oauth', subject: TRADECLOUD.clientId } });
  });

  it('accepts a valid v2 token (login.microsoftonline.com/v2.0 issuer, client-id audience, azp) on order documents', async () => {
    const response = await call(receiver.url, '/under-test/order-documents', await tokenFor(TRADECLOUD, V2_RESOURCE));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: { kind: 'order-documents', scheme: 'oauth', subject: TRADECLOUD.clientId } });
  });

  it('still checks a bearer value that is not a JWT as a static token', async () => {
    expect((await call(receiver.url, '/under-test/orders', STATIC_TOKEN)).status).toBe(200);
    await expectRefused('static-token-next-to-oauth-4c2', /unknown static bearer token/);
    // order documents has OAuth only: a non-JWT cannot be anything
    await expectRefused(STATIC_TOKEN, /the bearer value is not a JWT/, '/under-test/order-documents');
  });

  it('accepts a token signed by a rotated key, after exactly one JWKS download, then serves it from the cache', async () => {
    await call(receiver.url, '/under-test/orders', await tokenFor(TRADECLOUD, V1_RESOURCE)); // keys are cached
    const downloads = entra.jwksRequests;
    await entra.rotateSigningKey();
    const token = await tokenFor(TRADECLOUD, V2_RESOURCE);
    expect((await call(receiver.url, '/under-test/orders', token)).status).toBe(200);
    expect(entra.jwksRequests).toBe(downloads + 1);
    expect((await call(receiver.url, '/under-test/orders', token)).status).toBe(200);
    expect(entra.jwksRequests).toBe(downloads + 1);
  });

  it('refuses an expired token beyond the 60 s clock skew, and accepts one within it', async () => {
    entra.clockOffsetSeconds = -3600 - 120; // expired 2 minutes ago
    const expired = await tokenFor(TRADECLOUD, V1_RESOURCE);
    entra.clockOffsetSeconds = -3600 - 30; // expired 30 s ago: within the skew
    const barely = await tokenFor(TRADECLOUD, V1_RESOURCE);
    entra.clockOffsetSeconds = 0;
    await expectRefused(expired, /with 401: token expired at \d{4}-\d\d-\d\dT/);
    expect((await call(receiver.url, '/under-test/orders', barely)).status).toBe(200);
  });

  it('refuses a token that is not valid yet', async () => {
    entra.clockOffsetSeconds = 600; // nbf five minutes from now
    const early = await tokenFor(TRADECLOUD, V1_RESOURCE);
    entra.clockOffsetSeconds = 0;
    await expectRefused(early, /token not valid before \d{4}-/);
  });

  it('refuses a token for another API (wrong audience)', async () => {
    await expectRefused(await tokenFor(TRADECLOUD, OTHER_API), new RegExp(`wrong audience "${OTHER_API.clientId}"`));
  });

  it('refuses a token from another tenant (wrong issuer), although Entra signs it with the same keys', async () => {
    await expectRefused(await tokenFor(TRADECLOUD, V1_RESOURCE, 'other-tenant'), /wrong issuer "https:\/\/sts.windows.net\/other-tenant\/"/);
  });

  it('refuses a token signed with a key that is not the provider’s', async () => {
    const genuine = await tokenFor(TRADECLOUD, V1_RESOURCE);
    await expectRefused(await signedWithForeignKey(genuine, entra.currentKid), /signature does not verify with the JWKS key/);
    const downloads = entra.jwksRequests;
    await expectRefused(await signedWithForeignKey(genuine, 'attacker-key'), /signed with a key the JWKS does not have \(kid "attacker-key"\)/);
    expect(entra.jwksRequests).toBe(downloads + 1); // one refetch for the unknown kid, then refused
  });

  it('refuses alg "none"', async () => {
    await expectRefused(unsigned(await tokenFor(TRADECLOUD, V1_RESOURCE)), /signature algorithm "none" is not accepted/);
  });

  it('refuses HS256 "signed" with the provider’s public key (algorithm confusion)', async () => {
    const forged = await hmacWithPublicKey(await tokenFor(TRADECLOUD, V1_RESOURCE), entra.jwksUri());
    await expectRefused(forged, /signature algorithm "HS256" is not accepted/);
  });

  it('refuses a client that is not in the allowed client ids', async () => {
    await expectRefused(await tokenFor(OTHER_CLIENT, V2_RESOURCE), new RegExp(`client id "${OTHER_CLIENT.clientId}" is not allowed`));
  });

  it('refuses a token without the required role', async () => {
    const roleless = await startAuthTestApp(database.url, { oauth: { ...oauth, clientIds: undefined } }, logger);
    try {
      const from = logger.lines.length;
      const response = await call(roleless.url, '/under-test/orders', await tokenFor(ROLELESS_CLIENT, V1_RESOURCE));
      expect(response.status).toBe(401);
      expect(logger.since(from).join('\n')).toMatch(/lacks the role "Webhook.Send"/);
      expect((await call(roleless.url, '/under-test/orders', await tokenFor(OTHER_CLIENT, V1_RESOURCE))).status).toBe(200);
    } finally {
      await roleless.close();
    }
  });

  it('refuses a valid JWT on shipments unless OAuth was enabled for shipments', async () => {
    const token = await tokenFor(TRADECLOUD, V2_RESOURCE);
    await expectRefused(token, /unknown static bearer token \(the token is a JWT, and OAuth is not enabled for shipments\)/, '/under-test/shipments');
    const enabled = await startAuthTestApp(database.url, { oauth, kinds: { shipments: { oauth: true } } }, logger);
    try {
      const response = await call(enabled.url, '/under-test/shipments', token);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ user: { kind: 'shipments', scheme: 'oauth', subject: TRADECLOUD.clientId } });
    } finally {
      await enabled.close();
    }
  });

  it('answers 503 with Retry-After, never 401, while the JWKS endpoint is down', async () => {
    const token = await tokenFor(TRADECLOUD, V1_RESOURCE);
    const fresh = await startAuthTestApp(database.url, { oauth: { ...oauth, jwksRefetchCooldownMs: 5_000 } }, logger);
    try {
      entra.down = true;
      const from = logger.lines.length;
      const response = await call(fresh.url, '/under-test/orders', token);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({ statusCode: 503, message: 'Service Unavailable' });
      expect(logger.since(from).join('\n')).toMatch(/with 503, credentials not checkable now: JWKS http:\/\/127\.0\.0\.1:\d+\/.* is not reachable/);
      // rate-limited: the next request within the cooldown does not even try
      const downloads = entra.jwksRequests;
      expect((await call(fresh.url, '/under-test/orders', token)).status).toBe(503);
      expect(entra.jwksRequests).toBe(downloads);
    } finally {
      entra.down = false;
      await fresh.close();
    }
  });

  it('refuses (401, not retried) an unknown key id within the refetch cooldown after a successful download, without downloading again', async () => {
    const limited = await startAuthTestApp(database.url, { oauth: { ...oauth, jwksRefetchCooldownMs: 60_000 } }, logger);
    try {
      const genuine = await tokenFor(TRADECLOUD, V1_RESOURCE);
      expect((await call(limited.url, '/under-test/orders', genuine)).status).toBe(200);
      const downloads = entra.jwksRequests;
      for (const kid of ['attacker-key-1', 'attacker-key-2']) {
        const from = logger.lines.length;
        const response = await call(limited.url, '/under-test/orders', await signedWithForeignKey(genuine, kid));
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tradecloud-webhooks"');
        expect(response.headers.get('retry-after')).toBeNull();
        expect(await response.json()).toEqual({ statusCode: 401, message: 'Unauthorized' });
        expect(logger.since(from).join('\n')).toMatch(new RegExp(`with 401: signed with a key the JWKS does not have \\(kid "${kid}"\\)`));
      }
      expect(entra.jwksRequests).toBe(downloads);
    } finally {
      await limited.close();
    }
  });

  it('answers 503 (Tradecloud retries) for a new key id while the JWKS answers 5xx (rotation during an outage), 200 once it is back', async () => {
    expect((await call(receiver.url, '/under-test/orders', await tokenFor(TRADECLOUD, V1_RESOURCE))).status).toBe(200); // keys cached
    await entra.rotateSigningKey();
    const token = await tokenFor(TRADECLOUD, V1_RESOURCE);
    try {
      entra.jwksFailureStatus = 503;
      const from = logger.lines.length;
      const response = await call(receiver.url, '/under-test/orders', token);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toEqual({ statusCode: 503, message: 'Service Unavailable' });
      expect(logger.since(from).join('\n')).toMatch(/with 503, credentials not checkable now: JWKS http:\/\/127\.0\.0\.1:\d+\/.* answered HTTP 503/);
    } finally {
      entra.jwksFailureStatus = undefined;
    }
    expect((await call(receiver.url, '/under-test/orders', token)).status).toBe(200);
  });

  it('never logs or prints a token or a client secret', () => {
    const everything = `${logger.lines.join('\n')}\n${output.text()}`;
    expect(issued.length).toBeGreaterThan(15);
    for (const token of issued) expect(everything).not.toContain(token.split('.')[2]);
    for (const secret of [STATIC_TOKEN, TRADECLOUD.clientSecret, OTHER_CLIENT.clientSecret]) expect(everything).not.toContain(secret);
  });
});
