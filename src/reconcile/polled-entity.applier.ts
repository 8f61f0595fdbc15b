import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventContext } from '../changes/change-recorder';
import { isNumberLike, stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DomainEventPublisher } from '../events/domain-event.publisher';
import { BatchWriter } from '../processing/batch-writer';
import { configureBatchTransaction } from '../processing/batch-transaction';
import { EventApplier, EventApplierRegistry, EventWriter, settledResult, StoredEvent } from '../processing/event-applier';
import { settleEvents } from '../processing/event-settlement';
import { compareVersions } from '../processing/versions';
import { FetchedOrderApplier, FetchedShipmentApplier, UnusableFetchedEntityError } from '../webhooks/fetched-entity.appliers';
import { ReconcileKind } from './reconcile-state';

/** What happened to one polled entity. */
export type PolledEntityResult = 'created' | 'updated' | 'unchanged' | 'stale' | 'rejected';

/** Payload kinds of polled entities in `webhook_events` (so that `replay` can process them again). */
export const POLLED_PAYLOAD_KINDS = { order: 'polledOrder', singleDeliveryOrder: 'polledSingleDeliveryOrder', shipment: 'polledShipment' } as const;
/** `webhook_events.endpoint` of polled entities. */
export const POLLED_ENDPOINTS: Record<ReconcileKind, string> = { orders: 'orders-poll', shipments: 'shipments-poll' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface PolledEntity {
  kind: ReconcileKind;
  /** Order `id` (`orderId`), or shipment `id`. Empty when missing (the entity is then rejected). */
  id: string;
  /** Tradecloud's `lastUpdatedAt` of the order, or the shipment's `meta.lastUpdatedAt`. */
  lastUpdatedAt: string;
  /** PO number or shipment number, for log lines. */
  label: string;
  body: Record<string, unknown>;
  /** The body's JSON text as Tradecloud sent it, when the poll answer gave it (else it is written from `body`). */
  bodyText?: string;
}

export function describePolled(kind: ReconcileKind, body: Record<string, unknown>, bodyText?: string): PolledEntity {
  // A number (plain or exact, as the exact parse gives it) reads as its digits.
  const text = (value: unknown) => (typeof value === 'string' || isNumberLike(value) ? String(value) : '');
  if (kind === 'orders') {
    return {
      kind,
      id: text(body.id ?? body.orderId),
      lastUpdatedAt: text(body.lastUpdatedAt),
      label: `PO ${text((body.buyerOrder as Record<string, unknown> | undefined)?.purchaseOrderNumber) || '?'}`,
      body,
      bodyText,
    };
  }
  const meta = body.meta as Record<string, unknown> | undefined;
  const supplierShipment = body.supplierShipment as Record<string, unknown> | undefined;
  return {
    kind,
    id: text(body.id),
    lastUpdatedAt: text(meta?.lastUpdatedAt ?? body.lastUpdatedAt),
    label: `shipment number ${text(supplierShipment?.shipmentNumber ?? body.shipmentNumber) || '?'}`,
    body,
    bodyText,
  };
}

/**
 * Applies polled orders and shipments through the GET webhook's applier (the same validation,
 * mapping, per-line `lastUpdatedAt` guard, `changes` rows and domain events). Each entity that
 * is not already current is kept in `webhook_events` (endpoint `orders-poll`/`shipments-poll`)
 * and applied in the same transaction as its event row, so a finished page is queryable at once,
 * whether or not a receiver runs. An entity whose stored `lastUpdatedAt` equals the polled one
 * costs no transaction and no event row.
 */
@Injectable()
export class PolledEntityApplier implements EventApplier, OnModuleInit {
  readonly payloadKinds = Object.values(POLLED_PAYLOAD_KINDS);
  private readonly logger = new Logger('TradecloudReconcile');

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly registry: EventApplierRegistry,
    private readonly orders: FetchedOrderApplier,
    private readonly shipments: FetchedShipmentApplier,
    private readonly domainEvents: DomainEventPublisher,
    private readonly batches: BatchWriter,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  /** A replayed polled event (`tradecloud replay`): its stored body is applied again. */
  prepare(event: StoredEvent): Promise<EventWriter> {
    return this.writerFor(event.payloadKind, event.body, { eventId: event.id, eventName: event.eventName });
  }

  /** Stored `lastUpdatedAt` per id (order ids lower-case), in one query. */
  async storedVersions(kind: ReconcileKind, ids: string[]): Promise<Map<string, Date>> {
    // order_id is a uuid column: compare as uuid (index) and leave out what is no UUID (it is rejected later anyway).
    const [table, column, type] = kind === 'orders' ? ['orders', 'order_id', 'uuid'] : ['shipments', 'shipment_id', 'text'];
    const keys = kind === 'orders' ? ids.map((id) => id.toLowerCase()).filter((id) => UUID.test(id)) : ids;
    if (!keys.length) return new Map();
    const result = await this.database.query<{ id: string; last_updated_at: Date }>(
      `SELECT ${column}::text AS id, last_updated_at FROM ${this.database.table(table)} WHERE ${column} = ANY($1::${type}[])`,
      [keys],
    );
    return new Map(result.rows.map((row) => [row.id, row.last_updated_at]));
  }

  storedVersionOf(stored: Map<string, Date>, entity: PolledEntity): Date | undefined {
    return stored.get(entity.kind === 'orders' ? entity.id.toLowerCase() : entity.id);
  }

  /** Whether the stored version is the polled one already (no work, no event row). */
  isCurrent(entity: PolledEntity, stored: Date | undefined): boolean {
    return entity.lastUpdatedAt !== '' && !Number.isNaN(Date.parse(entity.lastUpdatedAt)) && compareVersions(stored, entity.lastUpdatedAt) === 'unchanged';
  }

  /** Validates, stores and applies one polled entity. */
  async apply(entity: PolledEntity, singleDelivery: boolean): Promise<{ result: PolledEntityResult; problems?: string }> {
    const payloadKind = entity.kind === 'shipments' ? POLLED_PAYLOAD_KINDS.shipment : singleDelivery ? POLLED_PAYLOAD_KINDS.singleDeliveryOrder : POLLED_PAYLOAD_KINDS.order;
    const endpoint = POLLED_ENDPOINTS[entity.kind];
    const bodyText = entity.bodyText ?? stringifyExact(entity.body);
    const dedupeKey = `${endpoint}:${entity.id}:${entity.lastUpdatedAt}`;
    const context: EventContext = { eventId: null, eventName: null };
    let write: EventWriter;
    try {
      write = await this.writerFor(payloadKind, entity.body, context, bodyText);
    } catch (error) {
      if (!(error instanceof UnusableFetchedEntityError)) throw error;
      // Kept with its reasons, like a refused webhook body; `tradecloud replay` can try it again.
      await this.database.query(
        `INSERT INTO ${this.database.table('webhook_events')} (endpoint, payload_kind, entity_id, dedupe_key, status, last_error, body)
         VALUES ($1, $2, $3, $4, 'rejected', $5, $6::jsonb)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [endpoint, payloadKind, entity.id || null, `rejected:${dedupeKey}`, error.message.slice(0, 4000), bodyText],
      );
      return { result: 'rejected', problems: error.message };
    }
    const events = this.database.table('webhook_events');
    const outcome = await this.database.transaction(async (client) => {
      // No WAL flush per entity: the pass commits its cursor (synchronously) after the page, and
      // that flush makes every earlier commit durable too (WAL is written in order). A crash
      // before it loses at most entities the cursor does not cover yet, which the next pass fetches again.
      await client.query('SET LOCAL synchronous_commit = off');
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${events} (endpoint, payload_kind, entity_id, dedupe_key, body) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
        [endpoint, payloadKind, entity.id, dedupeKey, bodyText],
      );
      // This very version was stored before (a pass that re-reads its overlap): nothing to do.
      if (!inserted.rows[0]) return { result: 'unchanged' as const };
      context.eventId = String(inserted.rows[0].id);
      const applied = settledResult(await write(client));
      await client.query(
        `UPDATE ${events} SET status = $2, outcome = $3::jsonb, attempts = 1, processed_at = now() WHERE id = $1`,
        [context.eventId, applied.stale ? 'stale' : 'processed', stringifyExact(applied.outcome)],
      );
      return { result: classify(applied.outcome) };
    });
    return { result: outcome.result };
  }

  /**
   * Applies polled entities together: their event rows in one INSERT, their writes in one batch
   * (locks up front, set-based writes through the batch sessions), their statuses in one UPDATE,
   * in one transaction. Entities stored before in this very version come out `unchanged`. When the
   * batch fails, each entity is applied on its own ({@link apply}), so one bad entity fails alone.
   */
  async applyMany(entities: PolledEntity[], singleDelivery: boolean): Promise<Array<{ entity: PolledEntity; result: PolledEntityResult; problems?: string }>> {
    const results: Array<{ entity: PolledEntity; result: PolledEntityResult; problems?: string }> = [];
    const prepared: Array<{ entity: PolledEntity; payloadKind: string; dedupeKey: string; bodyText: string; context: EventContext; write: EventWriter }> = [];
    const seen = new Set<string>();
    for (const entity of entities) {
      const payloadKind = entity.kind === 'shipments' ? POLLED_PAYLOAD_KINDS.shipment : singleDelivery ? POLLED_PAYLOAD_KINDS.singleDeliveryOrder : POLLED_PAYLOAD_KINDS.order;
      const dedupeKey = `${POLLED_ENDPOINTS[entity.kind]}:${entity.id}:${entity.lastUpdatedAt}`;
      const context: EventContext = { eventId: null, eventName: null };
      let write: EventWriter;
      let bodyText: string;
      try {
        if (seen.has(dedupeKey)) throw new Error('listed twice');
        bodyText = entity.bodyText ?? stringifyExact(entity.body);
        write = await this.writerFor(payloadKind, entity.body, context, bodyText);
      } catch {
        // Unusable (kept as rejected) or listed twice in one page: on its own, as before.
        results.push({ entity, ...(await this.apply(entity, singleDelivery)) });
        continue;
      }
      seen.add(dedupeKey);
      prepared.push({ entity, payloadKind, dedupeKey, bodyText, context, write });
    }
    if (!prepared.length) return results;
    const events = this.database.table('webhook_events');
    try {
      const applied = await this.database.transaction(async (client) => {
        // No WAL flush per page: see `apply`.
        await configureBatchTransaction(client);
        const inserted = await client.query<{ id: string; dedupe_key: string }>(
          `INSERT INTO ${events} (endpoint, payload_kind, entity_id, dedupe_key, body)
           SELECT x.endpoint, x.payload_kind, x.entity_id, x.dedupe_key, x.body
             FROM jsonb_to_recordset($1::jsonb) AS x(endpoint text, payload_kind text, entity_id text, dedupe_key text, body jsonb)
           ON CONFLICT (dedupe_key) DO NOTHING
           RETURNING id, dedupe_key`,
          [
            `[${prepared
              .map(
                (item) =>
                  `{"endpoint":${JSON.stringify(POLLED_ENDPOINTS[item.entity.kind])},"payload_kind":${JSON.stringify(item.payloadKind)},` +
                  `"entity_id":${JSON.stringify(item.entity.id)},"dedupe_key":${JSON.stringify(item.dedupeKey)},"body":${item.bodyText}}`,
              )
              .join(',')}]`,
          ],
        );
        const ids = new Map(inserted.rows.map((row) => [row.dedupe_key, String(row.id)]));
        const work = prepared.filter((item) => ids.has(item.dedupeKey));
        for (const item of work) item.context.eventId = ids.get(item.dedupeKey)!;
        await this.batches.lock(client, work.map((item) => item.write));
        const written = await this.batches.write(client, work.map((item) => item.write));
        await settleEvents(
          client,
          events,
          work.map((item, index) => ({
            event: { id: item.context.eventId!, endpoint: '', payloadKind: item.payloadKind, eventName: null, entityId: item.entity.id, body: {}, receivedAt: new Date() },
            status: written[index].stale ? 'stale' : 'processed',
            retries: 0,
            applied: { ...written[index], fetched: undefined },
          })),
        );
        const outcomes = new Map(work.map((item, index) => [item.dedupeKey, classify(written[index].outcome)]));
        return { outcomes };
      });
      // This very version was stored before (a pass that re-reads its overlap): nothing to do.
      for (const item of prepared) results.push({ entity: item.entity, result: applied.outcomes.get(item.dedupeKey) ?? 'unchanged' });
    } catch (error) {
      this.logger.warn(`Applying ${prepared.length} polled entities together failed (${(error as Error).message}): applying them one at a time`);
      for (const item of prepared) results.push({ entity: item.entity, ...(await this.apply(item.entity, singleDelivery)) });
    }
    return results;
  }

  private writerFor(payloadKind: string, body: Record<string, unknown>, context: EventContext, bodyText?: string): Promise<EventWriter> {
    if (payloadKind === POLLED_PAYLOAD_KINDS.shipment) return this.shipments.writerFor(body, context, bodyText);
    // A polled order is stored as its event's body before its writer runs (and a replayed one is that body).
    return this.orders.writerFor(body, context, payloadKind === POLLED_PAYLOAD_KINDS.singleDeliveryOrder ? 'singleDelivery' : 'deliverySchedule', {
      bodyText,
      storedAsEventBody: true,
    });
  }
}

/** The entity's result from the applier's outcome: its root version, or `updated` when only lines changed. */
function classify(outcome: Record<string, unknown>): PolledEntityResult {
  const header = outcome.header as string;
  if (header === 'created') return 'created';
  const lines = (outcome.lines ?? {}) as { created?: unknown; updated?: unknown };
  const count = (value: unknown) => (Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0);
  if (header === 'updated' || count(lines.created) > 0 || count(lines.updated) > 0) return 'updated';
  return header === 'stale' ? 'stale' : 'unchanged';
}
