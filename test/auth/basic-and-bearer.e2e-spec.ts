import http from 'node:http';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TradecloudModule } from '../../src/tradecloud.module';
import { useDatabase } from '../support/receiver-fixture';
import { AuthTestApp, basicHeader, captureProcessOutput, CapturingLogger, startAuthTestApp } from './auth-test-app';

/** Configured secrets: none of them may ever show up in a log line or in the process output. */
const SECRETS = {
  password: 'Corr3ct-Horse-Battery',
  rotatedPassword: 'next:pass:with:colons',
  token: 'static-token-Alpha-7f3c9e1b2d',
  rotatedToken: 'static-token-Bravo-0a4d8e6f5c',
};

describe('webhook authentication: Basic and static Bearer', () => {
  const database = useDatabase('auth_basic');
  let receiver: AuthTestApp;
  const logger = new CapturingLogger();
  const output = captureProcessOutput();
  const post = (path: string, headers: Record<string, string> = {}) => fetch(`${receiver.url}${path}`, { method: 'POST', headers });

  beforeAll(async () => {
    receiver = await startAuthTestApp(
      database.url,
      {
        basic: [
          { username: 'tradecloud', password: SECRETS.password },
          { username: 'tradecloud-next', password: SECRETS.rotatedPassword },
        ],
        bearerTokens: [SECRETS.token, SECRETS.rotatedToken],
        kinds: { 'order-documents': { basic: [] } },
      },
      logger,
    );
  });
  afterAll(async () => {
    await receiver?.close();
    output.restore();
  });

  it('logs at start which schemes each kind accepts, with counts and usernames only', () => {
    expect(logger.since(0)).toEqual(
      expect.arrayContaining([
        'log [WebhookAuth] Webhook kind orders accepts Basic (users "tradecloud", "tradecloud-next"), static Bearer (2 tokens)',
        'log [WebhookAuth] Webhook kind order-documents accepts static Bearer (2 tokens)',
      ]),
    );
  });

  it('accepts valid Basic credentials, including a rotated pair whose password contains colons', async () => {
    const first = await post('/under-test/orders', { authorization: basicHeader('tradecloud', SECRETS.password) });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ user: { kind: 'orders', scheme: 'basic', subject: 'tradecloud' } });
    const rotated = await post('/under-test/shipments', { authorization: basicHeader('tradecloud-next', SECRETS.rotatedPassword) });
    expect(rotated.status).toBe(200);
    expect(await rotated.json()).toEqual({ user: { kind: 'shipments', scheme: 'basic', subject: 'tradecloud-next' } });
  });

  it('accepts each of two rotated bearer tokens and tells them apart', async () => {
    for (const [token, subject] of [
      [SECRETS.token, 'token #1'],
      [SECRETS.rotatedToken, 'token #2'],
    ]) {
      const response = await post('/under-test/order-documents', { authorization: `Bearer ${token}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ user: { kind: 'order-documents', scheme: 'bearer', subject } });
    }
  });

  it('guards the legacy GET webhooks too, with the kind set on the handler or on the controller', async () => {
    const order = await fetch(`${receiver.url}/under-test/orders/0b5c1a3e`, { headers: { authorization: `Bearer ${SECRETS.token}` } });
    expect(await order.json()).toEqual({ user: { kind: 'orders', scheme: 'bearer', subject: 'token #1' } });
    const shipment = await fetch(`${receiver.url}/under-test/shipment-get/c1-42`, { headers: { authorization: basicHeader('tradecloud', SECRETS.password) } });
    expect(await shipment.json()).toEqual({ user: { kind: 'shipments', scheme: 'basic', subject: 'tradecloud' } });
    expect((await fetch(`${receiver.url}/under-test/shipment-get/c1-42`)).status).toBe(401);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['missing header', {}, /401: no Authorization header$/],
    ['malformed header (no credentials)', { authorization: 'Basic' }, /malformed Authorization header/],
    ['malformed header (two spaces)', { authorization: `Bearer  ${SECRETS.token}` }, /malformed Authorization header/],
    ['malformed Basic credentials', { authorization: 'Basic bm8tY29sb24=' }, /malformed Basic credentials/],
    ['wrong scheme', { authorization: `Token ${SECRETS.token}` }, /scheme "token" is not accepted for orders/],
    ['wrong user', { authorization: basicHeader('someone', SECRETS.password) }, /unknown Basic user$/],
    ['wrong password', { authorization: basicHeader('tradecloud', 'Corr3ct-Horse-Batter') }, /wrong password for Basic user "tradecloud"/],
    ['password of the other pair', { authorization: basicHeader('tradecloud', SECRETS.rotatedPassword) }, /wrong password/],
    ['truncated rotated password', { authorization: basicHeader('tradecloud-next', 'next') }, /wrong password for Basic user "tradecloud-next"/],
    ['unknown bearer token', { authorization: 'Bearer static-token-Alpha-7f3c9e1b2' }, /unknown static bearer token/],
    ['token with an extra character', { authorization: `Bearer ${SECRETS.token}x` }, /unknown static bearer token/],
  ])('refuses %s with 401, a short body, WWW-Authenticate and a log line saying why', async (_label, headers, reason) => {
    const from = logger.lines.length;
    const response = await post('/under-test/orders', headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="tradecloud-webhooks", charset="UTF-8", Bearer realm="tradecloud-webhooks"');
    expect(await response.json()).toEqual({ statusCode: 401, message: 'Unauthorized' });
    const lines = logger.since(from);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn \[WebhookAuth\] Refused POST \/under-test\/orders from [\d.:a-f]+ \(orders\) with 401: /);
    expect(lines[0]).toMatch(reason);
  });

  it('names only the accepted schemes of the kind, and refuses a scheme the kind does not accept', async () => {
    const response = await post('/under-test/order-documents', { authorization: basicHeader('tradecloud', SECRETS.password) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tradecloud-webhooks"');
    expect(logger.lines.at(-1)).toMatch(/Basic is not accepted for order-documents/);
  });

  it('reads credentials from the Authorization header only, never from the query string', async () => {
    expect((await post(`/under-test/orders?access_token=${SECRETS.token}`)).status).toBe(401);
    expect(logger.lines.at(-1)).toMatch(/Refused POST \/under-test\/orders from .* no Authorization header/);
    expect(logger.lines.at(-1)).not.toContain('access_token');
  });

  it('decides from the headers alone: a refused request is answered while its body is still being sent', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${receiver.url}/under-test/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
      });
      request.on('response', (response) => {
        resolve(response.statusCode!);
        request.destroy();
      });
      request.on('error', reject);
      request.write('{"eventName":"OrderIssuedByBuyer",'); // and never the rest
    });
    expect(status).toBe(401);
  });

  it('keeps two applications in one process apart (no shared Passport registry)', async () => {
    const other = await startAuthTestApp(database.url, { bearerTokens: ['other-app-token-123456'] }, logger);
    try {
      expect((await fetch(`${other.url}/under-test/orders`, { method: 'POST', headers: { authorization: 'Bearer other-app-token-123456' } })).status).toBe(200);
      expect((await fetch(`${other.url}/under-test/orders`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.token}` } })).status).toBe(401);
      expect((await post('/under-test/orders', { authorization: 'Bearer other-app-token-123456' })).status).toBe(401);
      expect((await post('/under-test/orders', { authorization: `Bearer ${SECRETS.token}` })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('refuses everything on a kind without any scheme, and warns about it at start', async () => {
    const from = logger.lines.length;
    const bare = await startAuthTestApp(database.url, { bearerTokens: [SECRETS.token], kinds: { shipments: { bearerTokens: [] } } }, logger);
    try {
      expect(logger.since(from)).toContain(
        'warn [WebhookAuth] Webhook kind shipments has no authentication scheme configured: every shipments webhook is refused with 401',
      );
      const response = await fetch(`${bare.url}/under-test/shipments`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.token}` } });
      expect(response.status).toBe(401);
      expect(logger.lines.at(-1)).toMatch(/no authentication scheme is configured for shipments/);
    } finally {
      await bare.close();
    }
  });

  it('accepts anything when disabled, with a loud warning at start', async () => {
    const from = logger.lines.length;
    const open = await startAuthTestApp(database.url, { disabled: true, requireCredentials: false }, logger);
    try {
      expect(logger.since(from).join('\n')).toMatch(/^error \[WebhookAuth\] !!! WEBHOOK AUTHENTICATION IS DISABLED/m);
      expect((await fetch(`${open.url}/under-test/shipments`, { method: 'POST' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('refuses to start without credentials where they are required, naming every kind', async () => {
    const compiling = Test.createTestingModule({
      imports: [TradecloudModule.forRoot({ database: { url: database.url, schema: 'tc_auth' }, auth: { requireCredentials: true, oauth: undefined } })],
    }).compile();
    await expect(compiling).rejects.toThrow(
      /webhook kind "orders" has no authentication scheme configured.*webhook kind "order-documents".*webhook kind "shipments"/,
    );
  });

  it('never logs or prints a configured secret', () => {
    const everything = `${logger.lines.join('\n')}\n${output.text()}`;
    expect(logger.lines.filter((line) => line.includes('Refused')).length).toBeGreaterThan(10);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(Buffer.from(`tradecloud:${SECRETS.password}`).toString('base64'));
  });
});
