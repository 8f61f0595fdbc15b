import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeEntra, requestClientCredentialsToken } from '../support/fake-entra/fake-entra';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { withClient } from '../support/test-database';
import { buildOrder, buildOrderEvent, buildShipmentEvent, sendWebhook } from '../support/tradecloud-simulator';

const secret = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;
const SECRETS = {
  basicPassword: secret('basic'),
  rotatedPassword: secret('rotated'),
  bearerToken: secret('bearer'),
  nextBearerToken: secret('bearer2'),
  metricsToken: secret('metrics'),
  databasePassword: secret('dbpw'),
};
const RESOURCE = { applicationIdUri: 'api://tradecloud-webhooks', clientId: 'c0ffee00-0000-4000-8000-00000000b001', accessTokenVersion: 1 as const };
const CLIENT = { clientId: 'c0ffee00-0000-4000-8000-00000000b002', clientSecret: secret('client') };

type LogLine = Record<string, any>;

/**
 * The standalone service's log at LOG_LEVEL=trace, with every kind of secret configured and
 * used: JSON lines only, one line per webhook request and per processing attempt joined by the
 * event id, and not one secret anywhere.
 */
describe('structured logs', () => {
  let entra: FakeEntra;
  let oauthToken: string;
  let databaseUrl: URL;
  const role = `tc_logs_${randomBytes(4).toString('hex')}`;
  // Registered before the receiver, so that it runs after the receiver's database is dropped.
  afterAll(async () => {
    await withClient(receiver.database.urlOf('postgres'), (client) => client.query(`DROP ROLE IF EXISTS ${role}`)).catch(() => undefined);
  });
  const receiver = useReceiver({
    label: 'logs',
    setup: 'standalone',
    simulator: true,
    before: async ({ database }) => {
      // A database URL with a password, which must not leak either.
      await database.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${SECRETS.databasePassword}'`);
      databaseUrl = new URL(database.url);
      databaseUrl.username = role;
      databaseUrl.password = SECRETS.databasePassword;
      entra = await FakeEntra.start();
      entra.registerResource(RESOURCE);
      entra.registerClient(CLIENT);
      oauthToken = await requestClientCredentialsToken(entra.tokenEndpoint(), { ...CLIENT, scope: `${RESOURCE.applicationIdUri}/.default` });
    },
    env: ({ simulator }) => ({
      DATABASE_URL: databaseUrl.toString(),
      LOG_LEVEL: 'trace',
      WEBHOOK_BASIC_USERNAME: 'tradecloud',
      WEBHOOK_BASIC_PASSWORD: SECRETS.basicPassword,
      WEBHOOK_BASIC_ADDITIONAL_CREDENTIALS: `tradecloud-next:${SECRETS.rotatedPassword}`,
      WEBHOOK_BEARER_TOKENS: `${SECRETS.bearerToken},${SECRETS.nextBearerToken}`,
      WEBHOOK_OAUTH_JWKS_URI: entra.jwksUri(),
      WEBHOOK_OAUTH_ISSUERS: entra.issuer(1),
      WEBHOOK_OAUTH_AUDIENCES: RESOURCE.applicationIdUri,
      METRICS_TOKEN: SECRETS.metricsToken,
      TRADECLOUD_API_URL: simulator.baseUrl,
      TRADECLOUD_API_USERNAME: simulator.credentials.username,
      TRADECLOUD_API_PASSWORD: simulator.credentials.password,
    }),
  });
  afterAll(async () => {
    await entra?.close();
  });
  const lines = (): LogLine[] =>
    receiver.process!
      .rawOutput()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  const webhook = (route: string, body: unknown, authorization: string, headers: Record<string, string> = {}) =>
    sendWebhook(`${receiver.url}/tradecloud/webhooks/${route}`, body, { auth: { authorization }, headers });
  const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  it('writes one line per webhook request and per processing attempt, joined by the event id, with the request id', async () => {
    const order = buildOrderEvent({ seed: 901, eventName: 'OrderIssuedByBuyer' });
    const answer = await webhook('orders', order, basic('tradecloud', SECRETS.basicPassword), { 'X-Request-Id': 'lb-req-0001' });
    expect(answer.status).toBe(202);
    const eventId = JSON.parse(answer.body).eventId as string;
    const processed = await waitFor(() => lineWhere((line) => line.context === 'TradecloudPipeline' && line.eventId === eventId && line.status === 'processed'));

    const request = lines().find((line) => line.context === 'TradecloudPipeline' && line.eventId === eventId && line.statusCode === 202)!;
    expect(request).toMatchObject({
      level: 'info',
      reqId: 'lb-req-0001',
      kind: 'orders',
      eventName: 'OrderIssuedByBuyer',
      orderId: order.orderEvent.orderId,
      outcome: 'accepted',
    });
    expect(request.durationMs).toBeGreaterThan(0);
    expect(request.msg).toBe(`Webhook orders OrderIssuedByBuyer: 202 accepted as event ${eventId}`);
    expect(processed).toMatchObject({ level: 'info', kind: 'orders', payloadKind: 'orderEvent', orderId: order.orderEvent.orderId, attempt: 1 });
    expect(processed.lagMs).toBeGreaterThanOrEqual(processed.durationMs);
    expect(lines().filter((line) => line.context === 'TradecloudPipeline' && line.eventId === eventId)).toHaveLength(2);

    const shipment = buildShipmentEvent({ seed: 901 });
    const shipped = await webhook('shipments', shipment, basic('tradecloud-next', SECRETS.rotatedPassword));
    const shipmentLine = await waitFor(() => lineWhere((line) => line.eventId === JSON.parse(shipped.body).eventId && line.statusCode === 202));
    expect(shipmentLine).toMatchObject({ kind: 'shipments', shipmentId: shipment.shipment.id, eventName: 'ShipmentIssuedBySupplier' });
    expect(shipmentLine.reqId).toMatch(/^[0-9a-f-]{36}$/); // drawn when the caller sent none
  });

  it('logs refusals with their reason and request id, and every line is JSON without a configured secret', async () => {
    const refused = await webhook('orders', buildOrderEvent({ seed: 902 }), basic('tradecloud', `${SECRETS.basicPassword}x`));
    expect(refused.status).toBe(401);
    await webhook('orders', buildOrderEvent({ seed: 903 }), `Bearer ${SECRETS.bearerToken}`);
    await webhook('order-documents', { eventName: 'OrderDocumentsAttachedBySupplier', orderDocumentsEvent: {} }, `Bearer ${SECRETS.nextBearerToken}`);
    await webhook('orders', buildOrderEvent({ seed: 904 }), `Bearer ${oauthToken}`);
    const known = buildOrder({ seed: 905 });
    receiver.simulator.orders.set(known.id, known);
    const get = await sendWebhook(`${receiver.url}/tradecloud/webhooks/orders/${known.id}`, undefined, { method: 'GET', auth: { bearer: SECRETS.bearerToken } });
    await waitFor(() => lineWhere((line) => line.eventId === JSON.parse(get.body).eventId && line.status === 'processed')); // logged in to the API with its password
    await fetch(`${receiver.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.metricsToken}` } });
    await fetch(`${receiver.url}/metrics?token=${SECRETS.metricsToken}`);

    const refusal = await waitFor(() => lineWhere((line) => line.context === 'WebhookAuth' && /wrong password/.test(line.msg)));
    const answered = lines().find((line) => line.statusCode === 401 && line.outcome === 'unauthorized')!;
    expect(refusal.reqId).toBe(answered.reqId);
    expect(lines().find((line) => line.outcome === 'rejected')).toMatchObject({ level: 'warn', kind: 'order-documents', statusCode: 400 });
    expect(lines().some((line) => line.level === 'debug' || line.level === 'trace')).toBe(true); // LOG_LEVEL=trace

    const raw = receiver.process!.rawOutput();
    for (const line of raw.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
    const forbidden = [
      ...Object.values(SECRETS),
      CLIENT.clientSecret,
      oauthToken,
      receiver.simulator.credentials.password,
      Buffer.from(`tradecloud:${SECRETS.basicPassword}`).toString('base64'),
      Buffer.from(`tradecloud-next:${SECRETS.rotatedPassword}`).toString('base64'),
    ];
    for (const value of forbidden) expect(raw).not.toContain(value);
  });

  /** The first log line that matches; throws (so that `waitFor` looks again) while there is none. */
  function lineWhere(match: (line: LogLine) => boolean): LogLine {
    const found = lines().find(match);
    if (!found) throw new Error(`no such log line in:\n${receiver.process!.rawOutput()}`);
    return found;
  }
});
