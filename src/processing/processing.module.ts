import { DynamicModule, Module } from '@nestjs/common';
import { ChangeRecorder } from '../changes/change-recorder';
import { OrderEventApplier } from '../orders/order-event.applier';
import { OrderSnapshotMapper } from '../orders/order-snapshot.mapper';
import { OrderStore } from '../orders/order.store';
import { ShipmentEventApplier } from '../shipments/shipment-event.applier';
import { ShipmentSnapshotMapper } from '../shipments/shipment-snapshot.mapper';
import { ShipmentStore } from '../shipments/shipment.store';
import { FetchedOrderApplier, FetchedShipmentApplier } from '../webhooks/fetched-entity.appliers';
import { BatchWriter } from './batch-writer';
import { EventApplierRegistry } from './event-applier';
import { EventProcessor } from './event-processor.service';

export interface TradecloudProcessingModuleImports {
  options: DynamicModule;
  database: DynamicModule;
  queue: DynamicModule;
  events: DynamicModule;
  documents: DynamicModule;
  observability: DynamicModule;
  tradecloudApi: DynamicModule;
}

/**
 * Applies stored events, claimed in batches from the inbox: the applier registry, the order and shipment appliers
 * (guarded upserts with `changes` rows) and the appliers of entities fetched from the API.
 */
@Module({})
export class TradecloudProcessingModule {
  static register(imports: TradecloudProcessingModuleImports): DynamicModule {
    return {
      module: TradecloudProcessingModule,
      imports: [imports.options, imports.database, imports.queue, imports.events, imports.documents, imports.observability, imports.tradecloudApi],
      providers: [
        EventApplierRegistry,
        EventProcessor,
        BatchWriter,
        ChangeRecorder,
        OrderSnapshotMapper,
        OrderStore,
        OrderEventApplier,
        ShipmentSnapshotMapper,
        ShipmentStore,
        ShipmentEventApplier,
        FetchedOrderApplier,
        FetchedShipmentApplier,
      ],
      exports: [EventApplierRegistry, BatchWriter, FetchedOrderApplier, FetchedShipmentApplier],
    };
  }
}
