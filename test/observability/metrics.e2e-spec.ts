import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import {
  buildOrder,
  buildOrderDocumentsEvent,
  buildOrderEvent,
  registerDocuments,
  sendWebhook,
} from '../support/tradecloud-simulator';
import { PrometheusScrape } from './prometheus-text';

const BASIC = { username: 'tradecloud', password: 'metrics-basic-password-71d2' };
const METRICS_TOKEN = 'metrics-scrape-token-5a0c';

/** `GET /metrics` of the standalone service across a scripted sequence of webhook outcomes. */
describe('GET /metrics', () => {
  const receiver = useReceiver({
    label: 'metrics',
    setup: 'standalone',
    simulator: true,
    env: ({ simulator }) => ({
      WEBHOOK_BASIC_USERNAME: BASIC.username,
      WEBHOOK_BASIC_PASSWORD: BASIC.password,
      METRICS_TOKEN,
      TRADECLOUD_API_URL: simulator.baseUrl,
      TRADECLOUD_API_USERNAME: simulator.credentials.username,
      TRADECLOUD_API_PASSWORD: simulator.credentials.password,
    }),
  });

  const scrape = async (authorization = `Bearer ${METRICS_TOKEN}`) => {
    const response = await fetch(`${receiver.url}/metrics`, { headers: { authorization } });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  };
  const post = async (route: string, body: unknown, auth = BASIC) => {
    const response = await sendWebhook(`${receiver.url}/tradecloud/webhooks/${route}`, body, { auth: { basic: auth } });
    return { status: response.status!, eventId: response.body ? (JSON.parse(response.body).eventId as string | undefined) : undefined };
  };
  /** How many events and downloads are still waiting. */
  const waiting = async () =>
    (
      await receiver.sql.query(
        `SELECT (SELECT count(*) FROM tradecloud.webhook_events WHERE status IN ('pending', 'failed'))::int
              + (SELECT count(*) FROM tradecloud.documents WHERE content_status = 'pending')::int AS waiting`,
      )
    ).rows[0].waiting as number;

  it('answers only with METRICS_TOKEN, in Prometheus text format', async () => {
    expect((await scrape('')).status).toBe(401);
    expect((await scrape('Bearer wrong-token')).status).toBe(401);
    expect((await scrape(`Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`)).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toContain('# TYPE tradecloud_webhook_requests_total counter');
    expect(ok.text).toContain('# TYPE tradecloud_event_processing_duration_seconds histogram');
    expect(ok.text).toContain('process_cpu_user_seconds_total'); // default Node.js process metrics, in our own registry
  });

  it('counters and gauges follow accepted, duplicate, rejected, unauthorized, failed and downloaded events', async () => {
    const before = new PrometheusScrape((await scrape()).text);

    const first = buildOrderEvent({ seed: 801, eventName: 'OrderIssuedByBuyer' });
    expect((await post('orders', first)).status).toBe(202);
    expect((await post('orders', buildOrderEvent({ seed: 802, eventName: 'OrderIssuedByBuyer' }))).status).toBe(202);
    expect((await post('orders', first)).status).toBe(200);
    expect((await post('orders', { eventName: 'OrderIssuedByBuyer', orderEvent: {} })).status).toBe(400);
    expect((await post('orders', first, { username: BASIC.username, password: 'wrong' })).status).toBe(401);
    const known = buildOrder({ seed: 803 });
    receiver.simulator.orders.set(known.id, known);
    const get = (orderId: string) => sendWebhook(`${receiver.url}/tradecloud/webhooks/orders/${orderId}`, undefined, { method: 'GET', auth: { basic: BASIC } });
    expect((await get(known.id)).status).toBe(202);
    expect((await get(randomUUID())).status).toBe(202); // the API answers 404: dead at once
    const documents = buildOrderDocumentsEvent({ seed: 801, headerDocuments: 1, lineNumbers: [1] });
    const registered = registerDocuments(receiver.simulator, documents, { sizeBytes: 2048 });
    receiver.simulator.documents.delete([...registered.keys()][1]); // the line's document: download fails (404)
    expect((await post('order-documents', documents)).status).toBe(202);
    await expect.poll(waiting).toBe(0);

    const after = new PrometheusScrape((await scrape()).text);
    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    const requests = 'tradecloud_webhook_requests_total';
    expect(delta(requests, { kind: 'orders', event_name: 'OrderIssuedByBuyer', status_code: '202', outcome: 'accepted' })).toBe(2);
    expect(delta(requests, { kind: 'orders', event_name: 'OrderIssuedByBuyer', status_code: '200', outcome: 'duplicate' })).toBe(1);
    expect(delta(requests, { kind: 'orders', event_name: 'OrderIssuedByBuyer', status_code: '400', outcome: 'rejected' })).toBe(1);
    expect(delta(requests, { kind: 'orders', event_name: 'none', status_code: '401', outcome: 'unauthorized' })).toBe(1);
    expect(delta(requests, { kind: 'orders-get', event_name: 'none', status_code: '202', outcome: 'accepted' })).toBe(2);
    expect(delta(requests, { kind: 'order-documents', event_name: 'OrderDocumentsAttachedBySupplier', status_code: '202', outcome: 'accepted' })).toBe(1);
    expect(delta('tradecloud_webhook_request_duration_seconds_count', { kind: 'orders', outcome: 'accepted' })).toBe(2);

    expect(delta('tradecloud_event_processing_total', { kind: 'orders', status: 'processed' })).toBe(2);
    expect(delta('tradecloud_event_processing_total', { kind: 'orders-get', status: 'processed' })).toBe(1);
    expect(delta('tradecloud_event_processing_total', { kind: 'orders-get', status: 'dead' })).toBe(1);
    expect(delta('tradecloud_event_processing_duration_seconds_count', { kind: 'orders', status: 'processed' })).toBe(2);
    expect(delta('tradecloud_event_processing_lag_seconds_count', { kind: 'orders' })).toBe(2);

    expect(after.value('tradecloud_events', { kind: 'orders', status: 'rejected' })).toBe(1);
    expect(after.value('tradecloud_events', { kind: 'orders-get', status: 'dead' })).toBe(1);
    expect(after.value('tradecloud_events', { kind: 'orders', status: 'pending' })).toBe(0);
    expect(after.value('tradecloud_events_oldest_pending_age_seconds')).toBe(0);
    expect(after.value('tradecloud_metrics_database_up')).toBe(1);

    expect(after.value('tradecloud_documents', { content_status: 'stored' })).toBe(1);
    expect(after.value('tradecloud_documents', { content_status: 'failed' })).toBe(1);
    expect(after.value('tradecloud_documents_bytes', { content_status: 'stored' })).toBe(2048);

    expect(delta('tradecloud_api_calls_total', { endpoint: 'order.get', status: '200' })).toBe(1);
    expect(delta('tradecloud_api_calls_total', { endpoint: 'order.get', status: '404' })).toBe(1);
    expect(delta('tradecloud_api_calls_total', { endpoint: 'auth.login', status: '200' })).toBe(1);
    expect(delta('tradecloud_api_calls_total', { endpoint: 'document.metadata', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(after.sum('tradecloud_api_call_duration_seconds_count', { endpoint: 'order.get' })).toBe(2);
  });

  it('keeps its request lines out of the log below debug, and its log free of the token', () => {
    const output = receiver.process!.rawOutput();
    expect(output).not.toContain(METRICS_TOKEN);
    expect(output).not.toContain(BASIC.password);
    expect(output).not.toMatch(/"level":"debug"/); // LOG_LEVEL=info (default) is respected
    expect(output).not.toMatch(/"url":"\/metrics"/);
  });
});
