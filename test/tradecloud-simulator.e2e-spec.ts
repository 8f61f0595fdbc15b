import { createHash } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/database/embedded/process-utils';
import { TradecloudApiClient } from '../src/tradecloud-api/tradecloud-api.client';
import {
  buildOrder,
  buildOrderDocumentsEvent,
  buildOrderEvent,
  buildShipment,
  buildShipmentEvent,
  buildSingleDeliveryOrderEvent,
  collectDocumentReferences,
  contentSha256,
  deliverGetWebhook,
  deliverWebhook,
  registerDocuments,
  sendWebhook,
  TradecloudSimulator,
} from './support/tradecloud-simulator';
import { sample } from './support/samples';

interface Received {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A tiny receiver answering a scripted sequence of statuses (the last one repeats). */
class ScriptedReceiver {
  readonly received: Received[] = [];
  script: number[] = [200];
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = this.script[Math.min(this.received.length - 1, this.script.length - 1)];
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status }));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Every key path of a JSON value (array items merged as `[]`). */
function keyPaths(value: unknown, prefix = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => keyPaths(item, `${prefix}[]`, into));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.add(`${prefix}.${key}`);
      keyPaths(child, `${prefix}.${key}`, into);
    }
  }
  return into;
}

/** Key paths of the `reference` sample that `built` lacks, except those matching `optional`. */
function missingShape(reference: unknown, built: unknown, optional?: RegExp): string[] {
  const have = keyPaths(built);
  return [...keyPaths(reference)].filter((path) => !have.has(path) && !(optional && optional.test(path)));
}

describe('webhook sender (Tradecloud retry rule) against a real receiver', () => {
  const receiver = new ScriptedReceiver();
  let url: string;
  const fast = { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 6, maxTotalMs: 10_000 };

  beforeAll(async () => {
    url = `${await receiver.start()}/tradecloud/webhooks/orders`;
  });
  afterAll(() => receiver.stop());
  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('retries 503 until the receiver accepts, then reports delivered with every status seen', async () => {
    receiver.script = [503, 502, 200];
    const body = buildOrderEvent();
    const result = await deliverWebhook(url, body, { ...fast, auth: { basic: { username: 'tradecloud', password: 'pa:ss' } } });
    expect(result).toMatchObject({ outcome: 'delivered', statuses: [503, 502, 200], attempts: 3 });
    expect(receiver.received).toHaveLength(3);
    for (const request of receiver.received) {
      expect(request).toMatchObject({ method: 'POST', contentType: 'application/json' });
      expect(request.authorization).toBe(`Basic ${Buffer.from('tradecloud:pa:ss').toString('base64')}`);
      expect(JSON.parse(request.body)).toEqual(body);
    }
  });

  it.each([
    [500, 'dropped'],
    [400, 'dropped'],
    [401, 'dropped'],
    [404, 'dropped'],
  ])('drops the event after one %i, as Tradecloud does', async (status) => {
    receiver.script = [status, 200];
    const result = await deliverWebhook(url, buildShipmentEvent(), { ...fast, auth: { bearer: 'static-token' } });
    expect(result).toMatchObject({ outcome: 'dropped', statuses: [status], attempts: 1 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].authorization).toBe('Bearer static-token');
  });

  it('stops by itself when the receiver keeps failing, bounded by attempts', async () => {
    receiver.script = [504];
    const result = await deliverWebhook(url, buildOrderEvent(), fast);
    expect(result).toMatchObject({ outcome: 'gave-up', attempts: 6 });
    expect(result.statuses).toEqual([504, 504, 504, 504, 504, 504]);
  });

  it('retries connection errors, bounded by time', async () => {
    const closedPort = await findFreePort();
    const started = performance.now();
    const result = await deliverWebhook(`http://127.0.0.1:${closedPort}/hook`, buildOrderEvent(), { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 100, maxTotalMs: 400 });
    expect(result.outcome).toBe('gave-up');
    expect(result.statuses.length).toBeGreaterThanOrEqual(2);
    expect(result.statuses.every((status) => status === undefined)).toBe(true);
    expect(result.last.error).toBe('ECONNREFUSED');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('sends legacy GET webhooks with the id in the path or in the query, without a body', async () => {
    receiver.script = [202];
    const base = url.replace('/orders', '');
    expect((await deliverGetWebhook(`${base}/orders`, 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718', fast)).outcome).toBe('delivered');
    await deliverGetWebhook(`${base}/shipments`, 'dcf95157-SHP 1/2', { ...fast, style: 'query', idParameter: 'shipmentId' });
    await deliverGetWebhook(`${base}/legacy/{orderId}/changed`, 'abc', fast);
    expect(receiver.received.map((request) => `${request.method} ${request.url} ${request.body.length}`)).toEqual([
      'GET /tradecloud/webhooks/orders/d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718 0',
      'GET /tradecloud/webhooks/shipments?shipmentId=dcf95157-SHP+1%2F2 0',
      'GET /tradecloud/webhooks/legacy/abc/changed 0',
    ]);
  });

  it('can send raw bodies and other content types for hostile-input tests', async () => {
    receiver.script = [400];
    const response = await sendWebhook(url, undefined, { rawBody: '{"eventName": ', contentType: 'application/xml' });
    expect(response.status).toBe(400);
    expect(receiver.received[0]).toMatchObject({ body: '{"eventName": ', contentType: 'application/xml' });
  });
});

describe('event builders', () => {
  it('build bodies shaped like the reference samples', () => {
    expect(missingShape(sample('post-order-event'), buildOrderEvent({ lineCount: 10, headerDocuments: 1 }))).toEqual([]);
    expect(missingShape(sample('post-single-delivery-order-event'), buildSingleDeliveryOrderEvent({ lineCount: 10, splitLines: 1 }))).toEqual([]);
    expect(missingShape(sample('post-order-documents-event'), buildOrderDocumentsEvent({ urlBase: 'https://partner.example/docs' }))).toEqual([]);
    expect(missingShape(sample('post-shipment-event'), buildShipmentEvent({ lineCount: 10, documentCount: 1 }))).toEqual([]);
    // What the GET samples show beyond the builders: order documents, receipts, a charge line; buyer contacts, actual dates.
    expect(missingShape(sample('get-order-response'), buildOrder({ lineCount: 10 }), /documents\[\]|deliveryHistory|chargeReasonCode|priceInBaseCurrency/)).toEqual([]);
    expect(missingShape(sample('get-shipment-response'), buildShipment({ lineCount: 10, documentCount: 1, buyerDocumentCount: 1 }), /buyerShipment\.contacts\[\]|atdDate|ataDate/)).toEqual([]);
  });

  it('are deterministic per seed, and keep line ids stable across events of one order', () => {
    expect(buildOrderEvent({ seed: 5, lineCount: 4 })).toEqual(buildOrderEvent({ seed: 5, lineCount: 4 }));
    expect(buildOrderEvent({ seed: 5 })).not.toEqual(buildOrderEvent({ seed: 6 }));
    const first = buildOrderEvent({ seed: 5, lineCount: 4, lastUpdatedAt: '2025-06-12T09:41:27.318Z' });
    const later = buildOrderEvent({ seed: 9, orderId: first.orderEvent.orderId, lineNumbers: [2, 4], lastUpdatedAt: '2025-06-13T10:00:00.000Z' });
    const ids = (body: typeof first) => body.orderEvent.lines.map((line: any) => [line.buyerLine.position, line.id]);
    expect(ids(later)).toEqual([ids(first)[1], ids(first)[3]]);
    expect(later.orderEvent.meta.messageId).not.toBe(first.orderEvent.meta.messageId);
    const documents = buildOrderDocumentsEvent({ orderId: first.orderEvent.orderId, lineNumbers: [3] });
    expect(documents.orderDocumentsEvent.lines[0].id).toBe(ids(first)[2][1]);
  });

  it('build realistic order events: positions, per-line lastUpdatedAt, schedules, exact decimals', () => {
    const event = buildOrderEvent({
      lineCount: 12,
      scheduleEntries: 3,
      eventName: 'OrderLinesConfirmedBySupplier',
      lastUpdatedAt: '2025-06-20T12:00:00.000Z',
      lineLastUpdatedAt: (lineNumber) => (lineNumber === 2 ? '2025-06-19T08:00:00.000Z' : '2025-06-20T12:00:00.000Z'),
    });
    const lines = event.orderEvent.lines;
    expect(lines.map((line: any) => line.buyerLine.position).slice(0, 3)).toEqual(['0010', '0020', '0030']);
    expect(new Set(lines.map((line: any) => line.id)).size).toBe(12);
    expect(lines[1].lastUpdatedAt).toBe('2025-06-19T08:00:00.000Z');
    expect(lines.every((line: any) => line.deliverySchedule.length === 3 && line.status.processStatus === 'Confirmed')).toBe(true);
    // Every number is written with at most 4 decimals, as Tradecloud sends them (no binary-float noise).
    const numbers = JSON.stringify(event).match(/(?<=[:[,])-?\d+(\.\d+)?(?=[,\]}])/g) ?? [];
    expect(numbers.length).toBeGreaterThan(100);
    expect(numbers.filter((text) => !/^-?\d+(\.\d{1,4})?$/.test(text))).toEqual([]);
    expect(numbers.some((text) => text.includes('.'))).toBe(true);
  });

  it('build single-delivery events with split lines and shipments with lines inside and outside load carriers', () => {
    const single = buildSingleDeliveryOrderEvent({ lineCount: 2, splitLines: 1 }).singleDeliveryOrderEvent;
    expect(single.lines.map((line: any) => line.buyerLine.position ?? `split of ${line.buyerLine.originalPosition}`)).toEqual(['0010', '0020', 'split of 0010']);
    expect(single.lines.every((line: any) => line.statusLine.scheduledDelivery.quantity > 0)).toBe(true);

    const { shipment, meta } = buildShipmentEvent({
      lineCount: 6,
      loadCarrierCount: 2,
      lastUpdatedAt: '2025-07-01T10:00:00.000Z',
      lineLastUpdatedAt: (lineNumber) => (lineNumber === 6 ? '2025-06-30T06:00:00.000Z' : '2025-07-01T10:00:00.000Z'),
    });
    expect(meta.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(shipment.loadCarriers).toHaveLength(2);
    const carried = shipment.loadCarriers.flatMap((carrier: any) => carrier.lines);
    expect([...carried, ...shipment.lines].map((line: any) => line.supplierLine.despatchAdviceLinePosition).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(shipment.lines.length).toBeGreaterThan(0);
    expect(shipment.lines.find((line: any) => line.supplierLine.despatchAdviceLinePosition === '6').meta.lastUpdatedAt).toBe('2025-06-30T06:00:00.000Z');
    const reissued = buildShipment({ shipmentId: shipment.id, lineNumbers: [1, 2, 3, 4, 5] });
    expect([...reissued.loadCarriers.flatMap((carrier: any) => carrier.lines), ...reissued.lines]).toHaveLength(5);
  });
});

describe('simulator document helpers with the real client', () => {
  let simulator: TradecloudSimulator;
  beforeAll(async () => {
    simulator = await TradecloudSimulator.start();
  });
  afterAll(() => simulator.stop());

  it('register content for every document of an event, downloadable by objectId and by url', async () => {
    const event = buildOrderDocumentsEvent({ lineNumbers: [1, 2], urlBase: simulator.partnerUrl('docs') });
    const references = collectDocumentReferences(event);
    expect(references.filter((reference) => reference.objectId)).toHaveLength(3);
    expect(references.filter((reference) => reference.url)).toHaveLength(2);
    const registered = registerDocuments(simulator, event, { sizeBytes: 5_000 });
    expect(registered.size).toBe(5);

    const client = TradecloudApiClient.create({ baseUrl: simulator.baseUrl, ...simulator.credentials });
    try {
      for (const reference of references) {
        const download = reference.objectId
          ? await client.downloadFromUrl((await client.getDocumentMetadata(reference.objectId)).downloadUrl, { maxBytes: 10_000 })
          : await client.downloadFromUrl(reference.url!, { maxBytes: 10_000 });
        const hash = createHash('sha256');
        for await (const chunk of download.stream) hash.update(chunk as Buffer);
        expect(hash.digest('hex')).toBe(await contentSha256(registered.get(reference.objectId ?? reference.url!)!.content));
      }
    } finally {
      client.onApplicationShutdown();
    }
  });
});
