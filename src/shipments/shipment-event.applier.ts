import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventContext } from '../changes/change-recorder';
import { ApplyResult, EventApplier, EventApplierRegistry, eventWriter, EventWriter, StoredEvent } from '../processing/event-applier';
import { obj } from '../orders/order-snapshot.mapper';
import { ShipmentApplyOutcome, ShipmentStore } from './shipment.store';
import { ShipmentSnapshotMapper } from './shipment-snapshot.mapper';

/** Applies POST shipment webhook bodies (`{ eventName, shipment, meta }`). */
@Injectable()
export class ShipmentEventApplier implements EventApplier, OnModuleInit {
  readonly payloadKinds = ['shipment'] as const;

  constructor(
    private readonly registry: EventApplierRegistry,
    private readonly mapper: ShipmentSnapshotMapper,
    private readonly shipments: ShipmentStore,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(event: StoredEvent): Promise<EventWriter> {
    const context: EventContext = { eventId: event.id, eventName: event.eventName };
    const shipment = obj(event.body.shipment);
    const snapshot = this.mapper.map(shipment);
    // The stored body holds this very shipment: PostgreSQL writes its JSON and its lines' from it.
    if (shipment === event.body.shipment) snapshot.source = { eventId: event.id, payloadKey: 'shipment' };
    const { locks, write, plan } = this.shipments.writer(snapshot, context, summarizeShipment);
    return eventWriter(locks, write, plan);
  }
}

export function summarizeShipment(outcome: ShipmentApplyOutcome): ApplyResult {
  return {
    stale: outcome.header === 'stale' || outcome.lines.stale.length > 0,
    outcome: { ...outcome },
  };
}
