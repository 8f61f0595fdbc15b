import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { ChangeRow } from '../changes/change-recorder';
import { stringifyExact } from '../changes/lossless-json';
import { afterCommit } from '../database/after-commit';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { JobQueue, QueueJob } from '../queue/job-queue.service';
import { DomainEventHandlers } from './domain-event-handlers';
import type { ChangedOrderLine, TradecloudDomainEvent } from './domain-events';

export const DOMAIN_EVENTS_QUEUE = 'tradecloud-domain-events';

interface DomainEventDelivery {
  handlerId: string;
  event: TradecloudDomainEvent;
}

/**
 * Turns the change rows of one transaction into domain events and queues one delivery per
 * subscribed handler in that same transaction (an outbox): a delivery exists exactly when the
 * change was committed, and handlers only ever see committed data. Deliveries are processed by
 * this module's queue workers; a handler that throws is retried on its own.
 */
@Injectable()
export class DomainEventPublisher implements OnApplicationBootstrap {
  private readonly logger = new Logger('TradecloudEvents');

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: DomainEventHandlers,
    private readonly database: TradecloudDatabase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.createQueue(DOMAIN_EVENTS_QUEUE);
    await this.queue.work<DomainEventDelivery>(DOMAIN_EVENTS_QUEUE, (job) => this.deliver(job));
  }

  /**
   * Queues the domain events of these changes (same transaction) and returns how many deliveries
   * it queued. Without any handler in the application nothing is built or queued.
   */
  async publishChanges(client: PoolClient, changes: ChangeRow[]): Promise<number> {
    if (!this.handlers.any()) return 0;
    return this.publish(client, domainEventsOf(changes));
  }

  /** Queues one delivery per subscribed handler of each event (same transaction); returns how many. */
  async publish(client: PoolClient, events: TradecloudDomainEvent[]): Promise<number> {
    let queued = 0;
    for (const exact of events) {
      const subscribers = this.handlers.subscribersOf(exact.type);
      if (!subscribers.length) continue;
      // Diff values are exact numbers internally; handlers get plain JSON numbers (the exact
      // values are in the tables).
      const event = JSON.parse(stringifyExact(exact)) as TradecloudDomainEvent;
      for (const handlerId of subscribers) {
        await this.queue.send<DomainEventDelivery>(DOMAIN_EVENTS_QUEUE, { handlerId, event }, client);
        queued++;
      }
    }
    // The delivery workers start once the publishing transaction has committed (only when it
    // queued something: a woken worker that finds nothing still costs a queue fetch).
    if (queued) afterCommit(client, DOMAIN_EVENTS_QUEUE, () => this.wake());
    return queued;
  }

  /**
   * Wakes the delivery workers (call after the publishing transaction committed, and only when it
   * queued something: a woken worker that finds nothing still costs a queue fetch).
   */
  wake(): void {
    this.queue.wake(DOMAIN_EVENTS_QUEUE);
  }

  /**
   * Runs one delivery. A delivery whose handler id is not in this application is retried like a
   * failure (during a rolling deployment another instance may still have it); after its last
   * attempt it is kept, as is a delivery whose handler failed every attempt, in
   * `dead_event_deliveries` with the reason (`tradecloud status` shows them): never dropped.
   */
  private async deliver(job: QueueJob<DomainEventDelivery>): Promise<void> {
    const { handlerId, event } = job.data;
    const final = job.retryCount >= job.retryLimit;
    const attempt = `attempt ${job.retryCount + 1}/${job.retryLimit + 1}`;
    const handler = this.handlers.get(handlerId);
    if (!handler) {
      const reason = `No handler with id "${handlerId}" in this application (renamed or removed?)`;
      if (final) return this.bury(job, reason);
      this.logger.warn(`${reason}: delivery of ${event.type} ${event.id} will be retried (${attempt})`);
      throw new Error(reason);
    }
    try {
      await handler.invoke(event);
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      this.logger.warn(`${handlerId} failed on ${event.type} ${event.id} (${attempt}${final ? ', giving up' : ', will retry'}): ${message}`);
      if (final) return this.bury(job, `The handler failed on every attempt; last error: ${message}`);
      throw error;
    }
  }

  /** Keeps a delivery that will not be retried, and completes its job, in one transaction. */
  private async bury(job: QueueJob<DomainEventDelivery>, reason: string): Promise<void> {
    const { handlerId, event } = job.data;
    await this.database.transaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.database.table('dead_event_deliveries')} (handler_id, event_type, event_id, event, attempts, reason)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [handlerId, event.type, event.id, JSON.stringify(event), job.retryCount + 1, reason],
      );
      await job.completeWithin(client);
    });
    this.logger.error(`Delivery of ${event.type} ${event.id} to ${handlerId} is dead (kept in dead_event_deliveries): ${reason}`);
  }
}

/** Groups one transaction's change rows into domain events. */
export function domainEventsOf(changes: ChangeRow[]): TradecloudDomainEvent[] {
  const occurredAt = new Date().toISOString();
  const events: TradecloudDomainEvent[] = [];
  const source = (change: ChangeRow) => ({ sourceEventId: change.eventId, sourceEventName: change.eventName, occurredAt });
  const key = (change: ChangeRow) => change.eventId ?? `t${Date.now()}`;

  const byOrder = new Map<string, ChangeRow[]>();
  const byShipment = new Map<string, ChangeRow[]>();
  // push, not a spread per row: a 5 000-line order has 5 000 rows for one order.
  const add = (groups: Map<string, ChangeRow[]>, id: string, change: ChangeRow) => {
    const group = groups.get(id);
    if (group) group.push(change);
    else groups.set(id, [change]);
  };
  for (const change of changes) {
    if (change.shipmentId) add(byShipment, change.shipmentId, change);
    else if (change.orderId) add(byOrder, change.orderId, change);
  }

  for (const [orderId, rows] of byOrder) {
    const first = rows[0];
    if (rows.some((row) => row.entity === 'order' && row.changeType === 'created')) {
      events.push({ type: 'order.created', id: `${key(first)}:order.created:${orderId}`, orderId, ...source(first) });
    }
    const lines: ChangedOrderLine[] = rows
      .filter((row) => row.entity === 'order_line' && row.lineId)
      .map((row) => ({
        lineId: row.lineId!,
        changeType: row.changeType,
        previousLastUpdatedAt: row.previousLastUpdatedAt,
        lastUpdatedAt: row.lastUpdatedAt,
        diff: row.diff,
      }));
    if (lines.length) events.push({ type: 'order.lines.changed', id: `${key(first)}:order.lines.changed:${orderId}`, orderId, lines, ...source(first) });
    const documents = rows.filter((row) => row.entity === 'document' && row.documentId);
    if (documents.length) {
      events.push({
        type: 'order.documents.attached',
        id: `${key(first)}:order.documents.attached:${orderId}`,
        orderId,
        documents: documents.map((row) => ({ documentId: row.documentId!, lineId: row.lineId })),
        ...source(first),
      });
    }
  }

  for (const [shipmentId, rows] of byShipment) {
    const first = rows[0];
    const header = rows.find((row) => row.entity === 'shipment');
    events.push({
      type: 'shipment.changed',
      id: `${key(first)}:shipment.changed:${shipmentId}`,
      shipmentId,
      changeType: header?.changeType ?? 'updated',
      diff: header?.diff ?? null,
      linesChanged: rows.filter((row) => row.entity === 'shipment_line').length,
      documentsAdded: rows.filter((row) => row.entity === 'document').length,
      ...source(first),
    });
  }
  return events;
}
