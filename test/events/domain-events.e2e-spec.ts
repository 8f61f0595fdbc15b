import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnTradecloudEvent, OrderCreatedEvent, OrderLinesChangedEvent, ShipmentChangedEvent, TradecloudDomainEvent } from '../../src';
import { startReceiverApp, ReceiverApp } from '../support/receiver-app';
import { sample, sampleText } from '../support/samples';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const received: TradecloudDomainEvent[] = [];
const flakyCalls: Array<{ eventId: string; linesInDatabase: number }> = [];
let sql: ReceiverApp['sql'];

/** A host's handlers: one records everything, one throws twice before it succeeds. */
@Injectable()
class ErpSync {
  @OnTradecloudEvent('order.created', 'order.lines.changed', 'order.documents.attached', 'shipment.changed')
  record(event: TradecloudDomainEvent): void {
    received.push(event);
  }
}

@Injectable()
class FlakyErpConnector {
  @OnTradecloudEvent('order.lines.changed')
  async push(event: OrderLinesChangedEvent): Promise<void> {
    // The data is committed before any handler runs, whatever the handler does.
    const lines = await sql.query(`SELECT count(*)::int AS n FROM tradecloud.order_lines WHERE order_id = $1`, [event.orderId]);
    flakyCalls.push({ eventId: event.id, linesInDatabase: lines.rows[0].n });
    if (flakyCalls.length <= 2) throw new Error(`ERP unreachable (call ${flakyCalls.length})`);
  }
}

describe('domain events for the host', () => {
  let database: TestDatabase;
  let receiver: ReceiverApp;

  beforeAll(async () => {
    database = await createTestDatabase('domain_events');
    receiver = await startReceiverApp({
      databaseUrl: database.url,
      options: { queue: { attempts: 4, retryDelaySeconds: 1 } },
      providers: [ErpSync, FlakyErpConnector],
    });
    sql = receiver.sql;
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
  });

  const waitFor = async (condition: () => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('emits order.created, order.lines.changed and order.documents.attached after the order is committed', async () => {
    const response = await receiver.post('/orders', sampleText('post-order-event'));
    const { eventId } = (await response.json()) as { eventId: string };
    await waitFor(() => received.filter((event) => event.sourceEventId === eventId).length >= 3);
    const types = received.filter((event) => event.sourceEventId === eventId).map((event) => event.type).sort();
    expect(types).toEqual(['order.created', 'order.documents.attached', 'order.lines.changed']);
    const created = received.find((event) => event.type === 'order.created') as OrderCreatedEvent;
    expect(created).toMatchObject({ orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718', sourceEventName: 'OrderLinesAcceptedBySupplier' });
    const lines = received.find((event) => event.type === 'order.lines.changed') as OrderLinesChangedEvent;
    expect(lines.lines.map((line) => line.changeType)).toEqual(['created', 'created']);
  });

  it('delivers a changed line with its diff, and retries a throwing handler until it succeeds (3 deliveries), data intact', async () => {
    await waitFor(() => flakyCalls.length >= 3);
    expect(flakyCalls).toHaveLength(3);
    expect(new Set(flakyCalls.map((call) => call.eventId)).size).toBe(1); // the same event, redelivered
    expect(flakyCalls.every((call) => call.linesInDatabase === 2)).toBe(true);

    const body = sample('post-order-event');
    body.orderEvent.meta.messageId = 'line-change';
    body.orderEvent.lastUpdatedAt = body.orderEvent.lines[1].lastUpdatedAt = '2025-06-20T12:00:00.000Z';
    body.orderEvent.lines = [body.orderEvent.lines[1]];
    body.orderEvent.lines[0].status.processStatus = 'Completed';
    const response = await receiver.post('/orders', body);
    const { eventId } = (await response.json()) as { eventId: string };
    await waitFor(() => received.some((event) => event.sourceEventId === eventId && event.type === 'order.lines.changed'));
    const changed = received.find((event) => event.sourceEventId === eventId) as OrderLinesChangedEvent;
    expect(changed.lines).toEqual([
      {
        lineId: '9a88a2bc-c6f0-4638-9967-f922d1519ac4',
        changeType: 'updated',
        previousLastUpdatedAt: '2025-06-12T09:41:27.318Z',
        lastUpdatedAt: '2025-06-20T12:00:00.000Z',
        diff: { 'status.processStatus': { old: 'Confirmed', new: 'Completed' } },
      },
    ]);
    expect(received.filter((event) => event.sourceEventId === eventId).map((event) => event.type)).toEqual(['order.lines.changed']);
  });

  it('emits shipment.changed', async () => {
    const response = await receiver.post('/shipments', sampleText('post-shipment-event'));
    const { eventId } = (await response.json()) as { eventId: string };
    await waitFor(() => received.some((event) => event.sourceEventId === eventId));
    const event = received.find((candidate) => candidate.sourceEventId === eventId) as ShipmentChangedEvent;
    expect(event).toMatchObject({ type: 'shipment.changed', changeType: 'created', linesChanged: 2, documentsAdded: 1 });
  });

  it('sends nothing for a redelivered event', async () => {
    const before = received.length;
    const again = await receiver.post('/orders', sampleText('post-order-event'));
    expect(again.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received.length).toBe(before);
  });
});
