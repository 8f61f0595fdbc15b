import { Injectable } from '@nestjs/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnTradecloudEvent, OrderCreatedEvent, OrderLinesChangedEvent, ShipmentChangedEvent, TradecloudDomainEvent } from '../../src';
import { ReceiverFixture, useReceiver, waitFor } from '../support/receiver-fixture';
import { sample, sampleText } from '../support/samples';

const received: TradecloudDomainEvent[] = [];
const flakyCalls: Array<{ eventId: string; linesInDatabase: number }> = [];
let sql: ReceiverFixture['sql'];

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
  const receiver = useReceiver({
    label: 'domain_events',
    options: { queue: { attempts: 4, retryDelaySeconds: 1 } },
    providers: [ErpSync, FlakyErpConnector],
  });

  beforeAll(() => {
    sql = receiver.sql;
  });

  it('emits order.created, order.lines.changed and order.documents.attached after the order is committed', async () => {
    const response = await receiver.post('/orders', sampleText('post-order-event'));
    const { eventId } = (await response.json()) as { eventId: string };
    await waitFor(() => expect(received.filter((event) => event.sourceEventId === eventId).length).toBeGreaterThanOrEqual(3));
    const types = received.filter((event) => event.sourceEventId === eventId).map((event) => event.type).sort();
    expect(types).toEqual(['order.created', 'order.documents.attached', 'order.lines.changed']);
    const created = received.find((event) => event.type === 'order.created') as OrderCreatedEvent;
    expect(created).toMatchObject({ orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718', sourceEventName: 'OrderLinesAcceptedBySupplier' });
    const lines = received.find((event) => event.type === 'order.lines.changed') as OrderLinesChangedEvent;
    expect(lines.lines.map((line) => line.changeType)).toEqual(['created', 'created']);
  });

  it('delivers a changed line with its diff, and retries a throwing handler until it succeeds (3 deliveries), data intact', async () => {
    await waitFor(() => expect(flakyCalls.length).toBeGreaterThanOrEqual(3));
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
    await waitFor(() => expect(received.some((event) => event.sourceEventId === eventId && event.type === 'order.lines.changed')).toBe(true));
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
    await waitFor(() => expect(received.some((event) => event.sourceEventId === eventId)).toBe(true));
    const event = received.find((candidate) => candidate.sourceEventId === eventId) as ShipmentChangedEvent;
    expect(event).toMatchObject({ type: 'shipment.changed', changeType: 'created', linesChanged: 2, documentsAdded: 1 });
  });

  it('sends nothing for a redelivered event', async () => {
    const before = received.length;
    const stored = await receiver.q(`SELECT count(*)::int AS n FROM S.webhook_events`);
    const again = await receiver.post('/orders', sampleText('post-order-event'));
    expect(again.status).toBe(200);
    // The positive signal: an event sent after the redelivery has had its domain event delivered,
    // so anything the redelivery had set off would have been delivered before it.
    const marker = sample('post-order-event');
    marker.orderEvent.meta.messageId = 'after-the-redelivery';
    marker.orderEvent.lastUpdatedAt = marker.orderEvent.lines[0].lastUpdatedAt = '2025-06-21T12:00:00.000Z';
    marker.orderEvent.lines = [marker.orderEvent.lines[0]];
    marker.orderEvent.lines[0].status.processStatus = 'Completed';
    const { eventId: markerId } = (await (await receiver.post('/orders', marker)).json()) as { eventId: string };
    await waitFor(() => expect(received.some((event) => event.sourceEventId === markerId && event.type === 'order.lines.changed')).toBe(true));
    expect(received.slice(before).map((event) => event.sourceEventId)).toEqual(received.slice(before).map(() => markerId));
    expect(await receiver.q(`SELECT count(*)::int AS n FROM S.webhook_events`)).toEqual([{ n: stored[0].n + 1 }]);
  });
});
