import { discardAfterCommit, runAfterCommit } from '../database/after-commit';
import type { PoolClient } from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { ChangeRow } from '../changes/change-recorder';
import { parseExact } from '../changes/lossless-json';
import type { TradecloudDatabase } from '../database/tradecloud-database.service';
import type { JobQueue } from '../queue/job-queue.service';
import type { DomainEventHandlers } from './domain-event-handlers';
import { DOMAIN_EVENTS_QUEUE, DomainEventPublisher } from './domain-event.publisher';
import type { TradecloudDomainEventType } from './domain-events';

/** A publisher over a recording queue and these handlers (id → subscribed types). */
function publisherWith(subscriptions: Record<string, TradecloudDomainEventType[]>) {
  const sent: Array<{ name: string; data: { handlerId: string; event: { type: string; lines?: unknown[] } }; client: unknown }> = [];
  const woken: string[] = [];
  const queue = {
    send: async (name: string, data: never, client: unknown) => void sent.push({ name, data, client }),
    wake: (name: string) => void woken.push(name),
  } as unknown as JobQueue;
  const handlers = {
    any: () => Object.keys(subscriptions).length > 0,
    subscribersOf: (type: TradecloudDomainEventType) => Object.keys(subscriptions).filter((id) => subscriptions[id].includes(type)),
  } as unknown as DomainEventHandlers;
  return { publisher: new DomainEventPublisher(queue, handlers, {} as TradecloudDatabase), sent, woken };
}

const client = () => ({}) as PoolClient;
const row = (entity: ChangeRow['entity'], changeType: ChangeRow['changeType'], extra: Partial<ChangeRow> = {}): ChangeRow => ({
  entity,
  changeType,
  orderId: 'order-1',
  lineId: null,
  eventId: '7',
  eventName: 'OrderLinesConfirmedBySupplier',
  previousLastUpdatedAt: null,
  lastUpdatedAt: null,
  diff: null,
  ...extra,
});
// order.created + order.lines.changed (two lines) + shipment.changed
const changes: ChangeRow[] = [
  row('order', 'created'),
  row('order_line', 'created', { lineId: 'line-1' }),
  row('order_line', 'updated', { lineId: 'line-2', diff: { 'prices.netPrice': { old: parseExact('92.0'), new: parseExact('1.10') } } as never }),
  row('shipment', 'updated', { orderId: null, shipmentId: 'shipment-1' }),
];

describe('DomainEventPublisher', () => {
  it('returns how many deliveries it queued: one per subscribed handler of each event, in the given transaction', async () => {
    const { publisher, sent } = publisherWith({ 'Erp.all': ['order.created', 'order.lines.changed', 'shipment.changed'], 'Erp.lines': ['order.lines.changed'] });
    const transaction = client();
    expect(await publisher.publishChanges(transaction, changes)).toBe(4);
    expect(sent.map((job) => [job.data.handlerId, job.data.event.type])).toEqual([
      ['Erp.all', 'order.created'],
      ['Erp.all', 'order.lines.changed'],
      ['Erp.lines', 'order.lines.changed'],
      ['Erp.all', 'shipment.changed'],
    ]);
    expect(sent.every((job) => job.name === DOMAIN_EVENTS_QUEUE && job.client === transaction)).toBe(true);
    // Handlers get plain JSON numbers.
    expect(sent[1].data.event.lines?.[1]).toMatchObject({ lineId: 'line-2', diff: { 'prices.netPrice': { old: 92, new: 1.1 } } });
  });

  it('queues nothing, and returns 0, without handlers or without a subscriber of these events', async () => {
    const none = publisherWith({});
    expect(await none.publisher.publishChanges(client(), changes)).toBe(0);
    expect(none.sent).toEqual([]);
    const others = publisherWith({ 'Erp.documents': ['document.stored'] });
    expect(await others.publisher.publishChanges(client(), changes)).toBe(0);
    expect(others.sent).toEqual([]);
  });

  it('wakes the delivery workers once its transaction has committed, once per transaction, never after a rollback', async () => {
    const { publisher } = publisherWith({ 'Erp.all': ['order.created', 'order.lines.changed'] });
    const wake = vi.spyOn(publisher, 'wake').mockImplementation(() => undefined);
    const committed = client();
    const rolledBack = client();
    const nothingQueued = client();
    await publisher.publishChanges(committed, changes);
    await publisher.publishChanges(committed, changes.slice(0, 1));
    await publisher.publishChanges(rolledBack, changes.slice(1, 2));
    await publisher.publishChanges(nothingQueued, []);
    expect(wake).not.toHaveBeenCalled();
    runAfterCommit(committed);
    expect(wake).toHaveBeenCalledTimes(1);
    discardAfterCommit(rolledBack);
    runAfterCommit(rolledBack);
    runAfterCommit(nothingQueued);
    expect(wake).toHaveBeenCalledTimes(1);
  });
});
