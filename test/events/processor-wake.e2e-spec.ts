import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnTradecloudEvent, TradecloudDomainEvent } from '../../src';
import { startReceiverApp, ReceiverApp } from '../support/receiver-app';
import { sampleText } from '../support/samples';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const received: TradecloudDomainEvent[] = [];

@Injectable()
class RecordEvents {
  @OnTradecloudEvent('order.created', 'order.lines.changed', 'shipment.changed')
  record(event: TradecloudDomainEvent): void {
    received.push(event);
  }
}

/**
 * The event processor wakes the domain-event workers after a transaction that queued deliveries
 * has committed. With workers that poll only every 30 s, a handler hears of an order or a shipment
 * within seconds only through that wake.
 */
describe('domain events are delivered without waiting for the polling interval', () => {
  let database: TestDatabase;
  let receiver: ReceiverApp;

  beforeAll(async () => {
    database = await createTestDatabase('processor_wake');
    receiver = await startReceiverApp({
      databaseUrl: database.url,
      options: { queue: { pollingIntervalSeconds: 30 } },
      providers: [RecordEvents],
    });
    // Let the workers' first fetch (at start) pass, so that only a wake can deliver in time.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
  });

  const receivedWithin = async (type: string, timeoutMs = 10_000) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const events = received.filter((event) => event.type === type);
      if (events.length > 0) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return [];
  };

  it('delivers order.created and order.lines.changed soon after an order event is processed', async () => {
    expect((await receiver.post('/orders', sampleText('post-order-event'))).status).toBe(202);
    expect(await receivedWithin('order.created')).toHaveLength(1);
    expect(await receivedWithin('order.lines.changed')).toHaveLength(1);
  });

  it('delivers shipment.changed soon after a shipment is processed', async () => {
    expect((await receiver.post('/shipments', sampleText('post-shipment-event'))).status).toBe(202);
    expect(await receivedWithin('shipment.changed')).toHaveLength(1);
  });
});
