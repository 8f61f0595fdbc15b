import { Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ChangeRecorder, EventContext } from '../changes/change-recorder';
import { textValue } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import { ApplyResult, EventApplier, EventApplierRegistry, eventWriter, EventWriter, StoredEvent } from '../processing/event-applier';
import { OrderApplyOutcome, OrderStore } from './order.store';
import { arr, lineDocuments, obj, OrderSnapshotMapper } from './order-snapshot.mapper';
import { orderPayloadKeyOf } from './dto/order-events.dto';
import { mapDocumentReferences, OwnedDocument } from '../documents/document-reference.mapper';

/** Applies `orderEvent`, `singleDeliveryOrderEvent` and `orderDocumentsEvent` bodies. */
@Injectable()
export class OrderEventApplier implements EventApplier, OnModuleInit {
  readonly payloadKinds = ['orderEvent', 'singleDeliveryOrderEvent', 'orderDocumentsEvent'] as const;

  constructor(
    private readonly registry: EventApplierRegistry,
    private readonly mapper: OrderSnapshotMapper,
    private readonly orders: OrderStore,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
    private readonly database: TradecloudDatabase,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(event: StoredEvent): Promise<EventWriter> {
    const context: EventContext = { eventId: event.id, eventName: event.eventName };
    const payloadKey = orderPayloadKeyOf(event.body, event.payloadKind);
    const payload = obj(event.body[payloadKey]);
    if (event.payloadKind === 'orderDocumentsEvent') {
      return eventWriter({ orders: [String(payload.orderId)] }, (client) => this.applyDocumentsEvent(client, payload, context));
    }
    const mode = event.payloadKind === 'singleDeliveryOrderEvent' ? 'singleDelivery' : 'deliverySchedule';
    const snapshot = this.mapper.map(payload, mode);
    // The stored body holds these very lines in this order: PostgreSQL can write them from it.
    if (mode === 'deliverySchedule' && Array.isArray(payload.lines)) snapshot.source = { eventId: event.id, payloadKey };
    const { locks, write, plan } = this.orders.writer(snapshot, context, summarize);
    return eventWriter(locks, write, plan);
  }

  /**
   * Order documents arrive on their own (attach API, portal). A line is named by `id` when
   * present, else by `buyerLine.position`, which is resolved to the stored line when known.
   */
  private async applyDocumentsEvent(client: PoolClient, payload: Record<string, unknown>, context: EventContext): Promise<ApplyResult> {
    const orderId = String(payload.orderId);
    await this.orders.lockOrder(client, orderId);
    const lines = arr(payload.lines).map(obj);
    const positions = lines.filter((line) => !textValue(line.id)).map((line) => textValue(obj(line.buyerLine).position)).filter(Boolean);
    const lineIdByPosition = new Map<string, string>();
    if (positions.length) {
      const known = await client.query<{ line_id: string; position: string }>(
        `SELECT line_id, position FROM ${this.database.table('order_lines')} WHERE order_id = $1 AND position = ANY($2::text[])`,
        [orderId, positions],
      );
      for (const row of known.rows) lineIdByPosition.set(row.position, row.line_id);
    }
    const documents: OwnedDocument[] = [
      ...mapDocumentReferences(obj(payload.buyerOrder).documents, 'buyer', null, null),
      ...mapDocumentReferences(obj(payload.supplierOrder).documents, 'supplier', null, null),
    ];
    for (const line of lines) {
      const position = textValue(obj(line.buyerLine).position);
      const lineId = textValue(line.id) ?? (position ? lineIdByPosition.get(position) ?? null : null);
      documents.push(...lineDocuments(line, lineId, position));
    }
    const added = await this.documents.addOrderDocuments(client, orderId, documents, context);
    await this.changes.record(client, added.map((document) => this.changes.documentAdded(orderId, document, context)));
    if (added.length) await this.orders.touchOrder(client, orderId, context);
    return { stale: false, outcome: { orderId, documents: { received: documents.length, added: added.length } } };
  }
}

export function summarize(outcome: OrderApplyOutcome): ApplyResult {
  return {
    stale: outcome.header === 'stale' || outcome.lines.stale.length > 0,
    outcome: {
      orderId: outcome.orderId,
      header: outcome.header,
      lines: {
        created: outcome.lines.created.length,
        updated: outcome.lines.updated.length,
        unchanged: outcome.lines.unchanged,
        stale: outcome.lines.stale,
      },
      documentsAdded: outcome.documentsAdded,
    },
  };
}
