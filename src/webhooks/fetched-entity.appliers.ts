import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventContext } from '../changes/change-recorder';
import { plainJson, stringifyExact } from '../changes/lossless-json';
import { EventApplier, EventApplierRegistry, eventWriter, EventWriter, StoredEvent } from '../processing/event-applier';
import { validateBody } from '../inbox/validation-messages';
import { OrderEventDto, SingleDeliveryOrderEventDto } from '../orders/dto/order-events.dto';
import { summarize } from '../orders/order-event.applier';
import { OrderMode, OrderSnapshotMapper } from '../orders/order-snapshot.mapper';
import { OrderStore } from '../orders/order.store';
import { ShipmentDto } from '../shipments/dto/shipment-webhook.dto';
import { summarizeShipment } from '../shipments/shipment-event.applier';
import { ShipmentSnapshotMapper } from '../shipments/shipment-snapshot.mapper';
import { ShipmentStore } from '../shipments/shipment.store';
import { TradecloudApiClient } from '../tradecloud-api/tradecloud-api.client';

/** A fetched order or shipment that does not have the shape we rely on: retrying will not help. */
export class UnusableFetchedEntityError extends Error {
  readonly permanent = true;
}

async function checkShape(dto: new () => object, entity: unknown, what: string): Promise<void> {
  // Validation works on plain JSON numbers; the exact values are what gets stored.
  const problems = await validateBody(dto, plainJson(entity));
  if (problems.length) throw new UnusableFetchedEntityError(`The ${what} returned by the Tradecloud API is unusable: ${problems.join('; ')}`);
}

/**
 * GET order webhook events: fetch the whole order (all lines) and apply it with the same rules
 * as an order event, so a GET after newer POST events never regresses a line.
 */
@Injectable()
export class FetchedOrderApplier implements EventApplier, OnModuleInit {
  readonly payloadKinds = ['orderId'] as const;

  constructor(
    private readonly registry: EventApplierRegistry,
    private readonly api: TradecloudApiClient,
    private readonly mapper: OrderSnapshotMapper,
    private readonly orders: OrderStore,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(event: StoredEvent): Promise<EventWriter> {
    const context: EventContext = { eventId: event.id, eventName: event.eventName };
    const order = (await this.api.getOrder(String(event.body.orderId))) as Record<string, unknown>;
    return this.writerFor(order, context);
  }

  /**
   * Validates and maps an order as the Tradecloud API returns it (GET order, or a poll's
   * `data[]` item: all lines) and returns its writer. Throws {@link UnusableFetchedEntityError}.
   * `bodyText` is the order's exact JSON when the caller has it already. `storedAsEventBody`: the
   * order is the stored body of the event in `context` (a polled order) by the time the writer runs.
   */
  async writerFor(
    order: Record<string, unknown>,
    context: EventContext,
    mode: OrderMode = 'deliverySchedule',
    { bodyText, storedAsEventBody = false }: { bodyText?: string; storedAsEventBody?: boolean } = {},
  ): Promise<EventWriter> {
    // `GET /order/{id}` names the id `id`; the shape is otherwise an orderEvent's.
    await checkShape(mode === 'singleDelivery' ? SingleDeliveryOrderEventDto : OrderEventDto, { ...order, orderId: order.id ?? order.orderId }, 'order');
    const snapshot = this.mapper.map(order, mode);
    const fetched = { body: bodyText ?? stringifyExact(order), purchaseOrderNumber: snapshot.header.purchaseOrderNumber };
    const { locks, write, plan } = this.orders.writer(snapshot, context, (outcome) => ({ ...summarize(outcome), fetched }));
    if (!storedAsEventBody || mode !== 'deliverySchedule' || !Array.isArray(order.lines)) return eventWriter(locks, write, plan);
    // The stored body holds these very lines in this order, at its root: PostgreSQL writes them
    // from it (the event id is known once the event row is stored, before the writer runs).
    return eventWriter(
      locks,
      (client, scope) => {
        if (context.eventId !== null) snapshot.source = { eventId: context.eventId, payloadKey: '' };
        return write(client, scope);
      },
      plan,
    );
  }
}

/** GET shipment webhook events: fetch the shipment and apply it like a shipment event. */
@Injectable()
export class FetchedShipmentApplier implements EventApplier, OnModuleInit {
  readonly payloadKinds = ['shipmentId'] as const;

  constructor(
    private readonly registry: EventApplierRegistry,
    private readonly api: TradecloudApiClient,
    private readonly mapper: ShipmentSnapshotMapper,
    private readonly shipments: ShipmentStore,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(event: StoredEvent): Promise<EventWriter> {
    const context: EventContext = { eventId: event.id, eventName: event.eventName };
    const shipment = await this.api.getShipment(String(event.body.shipmentId));
    return this.writerFor(shipment as Record<string, unknown>, context);
  }

  /** Validates and maps a shipment as the Tradecloud API returns it (GET shipment, or a poll's `data[]` item); `bodyText` as for orders. */
  async writerFor(shipment: Record<string, unknown>, context: EventContext, bodyText?: string): Promise<EventWriter> {
    await checkShape(ShipmentDto, shipment, 'shipment');
    const snapshot = this.mapper.map(shipment as Record<string, unknown>);
    const fetched = { body: bodyText ?? stringifyExact(shipment), shipmentNumber: snapshot.header.shipmentNumber };
    const { locks, write, plan } = this.shipments.writer(snapshot, context, (outcome) => ({ ...summarizeShipment(outcome), fetched }));
    return eventWriter(locks, write, plan);
  }
}
