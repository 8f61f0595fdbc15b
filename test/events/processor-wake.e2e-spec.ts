import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { OnTradecloudEvent, TradecloudDomainEvent } from '../../src';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { sampleText } from '../support/samples';

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
 * has committed. With workers that poll only every 120 s, a handler hears of an order or a
 * shipment within the suite's default wait (30 s, generous for a loaded machine) only through
 * that wake.
 */
describe('domain events are delivered without waiting for the polling interval', () => {
  const receiver = useReceiver({
    label: 'processor_wake',
    options: { queue: { pollingIntervalSeconds: 120 } },
    providers: [RecordEvents],
  });

  // No pause before sending: a wake that comes while a worker is still in its first fetch (which
  // may have started before the job was committed) is not lost (JobQueue and InboxSignal keep a
  // count of wakes), so whenever the event arrives, only a wake can deliver it within the wait.

  /** Within the default wait, well under the 120 s polling interval: only a wake delivers this soon. */
  const receivedSoon = (type: string) =>
    waitFor(() => {
      const events = received.filter((event) => event.type === type);
      expect(events.length).toBeGreaterThan(0);
      return events;
    });

  it('delivers order.created and order.lines.changed soon after an order event is processed', async () => {
    expect((await receiver.post('/orders', sampleText('post-order-event'))).status).toBe(202);
    expect(await receivedSoon('order.created')).toHaveLength(1);
    expect(await receivedSoon('order.lines.changed')).toHaveLength(1);
  });

  it('delivers shipment.changed soon after a shipment is processed', async () => {
    expect((await receiver.post('/shipments', sampleText('post-shipment-event'))).status).toBe(202);
    expect(await receivedSoon('shipment.changed')).toHaveLength(1);
  });
});
