import { stringifyExact } from '../changes/lossless-json';
import { inspect } from 'node:util';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOrder, buildShipment, TradecloudSimulator } from '../../test/support/tradecloud-simulator';
import { RESOLVED_TRADECLOUD_OPTIONS } from '../options/resolved-options';
import { resolveTradecloudApiOptions, TradecloudApiOptions } from './tradecloud-api-options';
import { TradecloudApiModule } from './tradecloud-api.module';
import { TradecloudApiClient } from './tradecloud-api.client';
import { TradecloudApiError } from './tradecloud-api.error';
import { TradecloudApiCall } from './tradecloud-http';

// Real HTTP against the simulator on loopback: every assertion about headers and tokens is read
// from what the simulator actually received.

/** Fetched bodies keep exact numbers (LosslessNumber); compare them as plain JSON. */
const plain = (value: unknown) => JSON.parse(stringifyExact(value));

describe('TradecloudApiClient (API calls, against the simulator)', () => {
  let simulator: TradecloudSimulator;
  const clients: TradecloudApiClient[] = [];
  const order = buildOrder({ seed: 7, lineCount: 3 });
  const shipment = buildShipment({ seed: 7, shipmentId: 'dcf95157-SHP 2025/0345#A' });

  const newClient = (overrides: TradecloudApiOptions = {}) => {
    const client = TradecloudApiClient.create({
      baseUrl: simulator.baseUrl,
      ...simulator.credentials,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 200,
      requestsPerSecond: 1000,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const routesAndStatuses = () => simulator.requests.map((request) => `${request.route} ${request.status ?? '-'}`);
  const rejection = async (promise: Promise<unknown>): Promise<TradecloudApiError> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TradecloudApiError);
    return error as TradecloudApiError;
  };

  beforeEach(async () => {
    simulator = await TradecloudSimulator.start();
    simulator.orders.set(order.id, order);
    simulator.shipments.set(shipment.id, shipment);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.onApplicationShutdown();
    await simulator.stop();
  });

  it('is provided by TradecloudApiModule from the resolved module options', async () => {
    const tradecloudApi = resolveTradecloudApiOptions({ baseUrl: simulator.baseUrl, ...simulator.credentials }, []);
    const moduleRef = await Test.createTestingModule({
      imports: [
        TradecloudApiModule.register({
          module: class ResolvedOptionsForTest {},
          providers: [{ provide: RESOLVED_TRADECLOUD_OPTIONS, useValue: { tradecloudApi } }],
          exports: [RESOLVED_TRADECLOUD_OPTIONS],
        }),
      ],
    }).compile();
    try {
      const client = moduleRef.get(TradecloudApiClient);
      expect(client.isConfigured).toBe(true);
      expect(plain(await client.getOrder(order.id))).toEqual(order);
    } finally {
      await moduleRef.close();
    }
  });

  it('logs in once with Basic, then sends the Bearer token; ids are URL-encoded', async () => {
    const client = newClient();
    expect(plain(await client.getOrder(order.id))).toEqual(order);
    expect(plain(await client.getShipment(shipment.id))).toEqual(shipment);
    expect(plain(await client.getOrder(order.id))).toEqual(order);

    expect(routesAndStatuses()).toEqual(['auth.login 200', 'order.get 200', 'shipment.get 200', 'order.get 200']);
    const [login, ...calls] = simulator.requests;
    expect(login.authorizationScheme).toBe('Basic');
    for (const call of calls) expect(call.authorizationScheme).toBe('Bearer');
    expect(calls[1].path).toBe(`/v2/shipment/${encodeURIComponent(shipment.id)}`);
  });

  it('refreshes the token after the refresh interval with only the Refresh-Token header, following the rotation', async () => {
    const client = newClient({ tokenRefreshIntervalMs: 60 });
    await client.getOrder(order.id);
    for (let round = 0; round < 2; round++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.getOrder(order.id);
    }
    // The simulator refuses a used refresh token (401): a second login would show it was reused.
    expect(routesAndStatuses()).toEqual(['auth.login 200', 'order.get 200', 'auth.refresh 200', 'order.get 200', 'auth.refresh 200', 'order.get 200']);
    for (const refresh of simulator.requestsTo('auth.refresh')) {
      expect(refresh.hasRefreshToken).toBe(true);
      expect(refresh.hasAuthorization).toBe(false);
    }
  });

  it('logs in again when the refresh token was revoked', async () => {
    const client = newClient({ tokenRefreshIntervalMs: 30 });
    await client.getOrder(order.id);
    simulator.revokeRefreshTokens();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(plain(await client.getOrder(order.id))).toEqual(order);
    expect(routesAndStatuses()).toEqual(['auth.login 200', 'order.get 200', 'auth.refresh 401', 'auth.login 200', 'order.get 200']);
  });

  it('answers a 401 with one fresh login and one retry', async () => {
    const client = newClient();
    await client.getOrder(order.id);
    simulator.expireAccessTokens();
    expect(plain(await client.getOrder(order.id))).toEqual(order);
    expect(routesAndStatuses()).toEqual(['auth.login 200', 'order.get 200', 'order.get 401', 'auth.login 200', 'order.get 200']);
  });

  it('gives up with a permanent error when the API still answers 401 after the fresh login', async () => {
    const client = newClient();
    simulator.failNext('order.get', 5, 401);
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'order.get', status: 401, code: 'unauthorized', transient: false });
    expect(simulator.requestsTo('auth.login')).toHaveLength(2);
  });

  it('shares one login among concurrent calls, also when they all meet an expired token', async () => {
    const client = newClient();
    await Promise.all(Array.from({ length: 20 }, () => client.getOrder(order.id)));
    expect(simulator.requestsTo('auth.login')).toHaveLength(1);

    simulator.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 10 }, () => client.getOrder(order.id)));
    expect(results.map(plain).every((result) => (result as { id: string }).id === order.id)).toBe(true);
    expect(simulator.requestsTo('auth.login')).toHaveLength(2);
  });

  it('retries 503 answers and succeeds when the API recovers', async () => {
    const client = newClient();
    simulator.failNext('order.get', 2, 503);
    expect(plain(await client.getOrder(order.id))).toEqual(order);
    expect(simulator.requestsTo('order.get').map((request) => request.status)).toEqual([503, 503, 200]);
  });

  it('waits as long as a 429 Retry-After asks before retrying', async () => {
    const client = newClient({ retryMaxDelayMs: 2000 });
    await client.getOrder(order.id);
    simulator.clearRequests();
    simulator.failNext('order.get', 1, 429, { retryAfter: 1 });
    expect(plain(await client.getOrder(order.id))).toEqual(order);
    const [limited, retried] = simulator.requestsTo('order.get');
    expect([limited.status, retried.status]).toEqual([429, 200]);
    expect(retried.receivedAt - limited.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('hands a Retry-After longer than it may wait back to the caller at once, as transient', async () => {
    const client = newClient({ retryMaxDelayMs: 500 });
    simulator.failNext('order.get', 1, 429, { retryAfter: 120 });
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'order.get', status: 429, transient: true, retryAfterMs: 120_000 });
    expect(simulator.requestsTo('order.get')).toHaveLength(1);
  });

  it('throws a transient error after the retries when the API keeps failing', async () => {
    const client = newClient({ maxRetries: 2 });
    simulator.apiDown(503);
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'auth.login', status: 503, code: 'http', transient: true });
    expect(simulator.requestsTo('auth.login')).toHaveLength(3);
  });

  it('fails a 404 at once as permanent, without retrying', async () => {
    const client = newClient();
    const error = await rejection(client.getOrder('00000000-0000-4000-8000-000000000000'));
    expect(error).toMatchObject({ endpoint: 'order.get', status: 404, code: 'http', transient: false });
    expect(simulator.requestsTo('order.get')).toHaveLength(1);
    const forbidden = newClient();
    simulator.failNext('shipment.get', 1, 403);
    expect(await rejection(forbidden.getShipment(shipment.id))).toMatchObject({ endpoint: 'shipment.get', status: 403, transient: false });
    expect(simulator.requestsTo('shipment.get')).toHaveLength(1);
  });

  it('turns a slow answer into a transient timeout', async () => {
    const client = newClient({ timeoutMs: 150, maxRetries: 1 });
    await client.getOrder(order.id);
    simulator.slow('order.get', 2_000);
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'order.get', code: 'timeout', transient: true });
    expect(error.status).toBeUndefined();
    expect(simulator.requestsTo('order.get')).toHaveLength(3);
  });

  it('turns a refused connection into a transient network error', async () => {
    const client = newClient({ maxRetries: 1 });
    await simulator.goOffline();
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'auth.login', code: 'network', transient: true });
    expect(error.message).toContain('ECONNREFUSED');
    await simulator.goOnline();
    expect(plain(await client.getOrder(order.id))).toEqual(order);
  });

  it('refuses to work without configuration, naming what to set', async () => {
    const client = TradecloudApiClient.create({});
    expect(client.isConfigured).toBe(false);
    const error = await rejection(client.getOrder(order.id));
    expect(error).toMatchObject({ endpoint: 'order.get', code: 'not_configured', transient: false });
    expect(error.message).toMatch(/tradecloudApi\.baseUrl.*TRADECLOUD_API_URL/);
    expect(simulator.requests).toHaveLength(0);
  });

  it('never puts the password or a token into an error, even when inspected in full', async () => {
    const errors: TradecloudApiError[] = [];
    const wrongPassword = 'Wr0ng-S3cret-Passw0rd';
    errors.push(await rejection(newClient({ password: wrongPassword }).getOrder(order.id)));
    expect(errors[0]).toMatchObject({ endpoint: 'auth.login', status: 401, code: 'unauthorized', transient: false });

    const client = newClient({ timeoutMs: 150, maxRetries: 0 });
    await client.getOrder(order.id);
    simulator.failNext('order.get', 2, 401);
    errors.push(await rejection(client.getOrder(order.id)));
    simulator.slow('order.get', 1_000, 1);
    errors.push(await rejection(client.getOrder(order.id)));
    simulator.failNext('order.get', 1, 500);
    errors.push(await rejection(client.getOrder(order.id)));

    const secrets = [wrongPassword, simulator.credentials.password, ...simulator.issuedTokens()];
    expect(secrets.length).toBeGreaterThan(4);
    for (const error of errors) {
      const everything = `${error.message}\n${error.stack}\n${inspect(error, { depth: 10, showHidden: true })}`;
      for (const secret of secrets) expect(everything).not.toContain(secret);
    }
  });

  it('reports every HTTP exchange to call listeners', async () => {
    const client = newClient();
    const calls: TradecloudApiCall[] = [];
    const unsubscribe = client.onCall((call) => calls.push(call));
    simulator.failNext('order.get', 1, 503);
    await client.getOrder(order.id);
    unsubscribe();
    await client.getOrder(order.id);
    expect(calls.map(({ endpoint, status, attempt }) => ({ endpoint, status, attempt }))).toEqual([
      { endpoint: 'auth.login', status: 200, attempt: 1 },
      { endpoint: 'order.get', status: 503, attempt: 1 },
      { endpoint: 'order.get', status: 200, attempt: 2 },
    ]);
    for (const call of calls) expect(call.durationMs).toBeGreaterThanOrEqual(0);
  });
});
