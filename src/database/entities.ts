import { EntitySchema, EntitySchemaColumnOptions } from 'typeorm';
import { WebhookEventEntity } from '../inbox/webhook-event.entity';

type Columns = Record<string, EntitySchemaColumnOptions>;

/** snake_case column named after a camelCase property. */
const column = (type: EntitySchemaColumnOptions['type'], extra: Partial<EntitySchemaColumnOptions> = {}) => ({ type, nullable: true, ...extra });
const named = (columns: Columns): Columns =>
  Object.fromEntries(Object.entries(columns).map(([property, options]) => [property, { name: property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), ...options }]));

/**
 * TypeORM entity schemas of the module's tables, for hosts that prefer repositories to the read
 * services or SQL: add them to your DataSource's `entities` (or `TypeOrmModule.forFeature(...)`
 * with `autoLoadEntities`). They are for reading — the module writes with its own SQL — and
 * they carry the schema, so pass yours when it is not `tradecloud`. Decimals are strings
 * (exact `numeric`).
 */
export function tradecloudEntities(schema = 'tradecloud'): EntitySchema[] {
  return [
    new EntitySchema({
      name: 'TradecloudOrder',
      tableName: 'orders',
      schema,
      columns: named({
        orderId: column('uuid', { primary: true, nullable: false }),
        purchaseOrderNumber: column('text'),
        buyerCompanyId: column('uuid'),
        supplierCompanyId: column('uuid'),
        supplierAccountNumber: column('text'),
        processStatus: column('text'),
        logisticsStatus: column('text'),
        version: column('integer'),
        lastUpdatedAt: column('timestamptz'),
        header: column('jsonb'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudOrderLine',
      tableName: 'order_lines',
      schema,
      columns: named({
        orderId: column('uuid', { primary: true, nullable: false }),
        lineId: column('uuid', { primary: true, nullable: false }),
        position: column('text'),
        originalPosition: column('text'),
        lineType: column('text'),
        itemNumber: column('text'),
        description: column('text'),
        processStatus: column('text'),
        inProgressStatus: column('text'),
        logisticsStatus: column('text'),
        netPrice: column('numeric'),
        currency: column('text'),
        priceUnitQuantity: column('numeric'),
        lastUpdatedAt: column('timestamptz'),
        line: column('jsonb'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudDeliveryLine',
      tableName: 'delivery_lines',
      schema,
      columns: named({
        orderId: column('uuid', { primary: true, nullable: false }),
        lineId: column('uuid', { primary: true, nullable: false }),
        schedule: column('text', { primary: true, nullable: false }),
        seq: column('integer', { primary: true, nullable: false }),
        position: column('text'),
        date: column('date'),
        quantity: column('numeric'),
        status: column('text'),
        etd: column('date'),
        eta: column('date'),
        transportMode: column('text'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudShipment',
      tableName: 'shipments',
      schema,
      columns: named({
        shipmentId: column('text', { primary: true, nullable: false }),
        shipmentNumber: column('text'),
        supplierCompanyId: column('uuid'),
        buyerCompanyId: column('uuid'),
        processStatus: column('text'),
        processStatusReason: column('text'),
        transportMode: column('text'),
        lastUpdatedAt: column('timestamptz'),
        shipment: column('jsonb'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudShipmentLine',
      tableName: 'shipment_lines',
      schema,
      columns: named({
        shipmentId: column('text', { primary: true, nullable: false }),
        despatchAdviceNumber: column('text', { primary: true, nullable: false }),
        despatchAdviceLinePosition: column('text', { primary: true, nullable: false }),
        purchaseOrderNumber: column('text'),
        purchaseOrderLinePosition: column('text'),
        deliverySchedulePosition: column('text'),
        orderId: column('uuid'),
        lineId: column('uuid'),
        despatchQuantity: column('numeric'),
        backorderQuantity: column('numeric'),
        containerNumber: column('text'),
        packageSscc: column('text'),
        lastUpdatedAt: column('timestamptz'),
        removedAt: column('timestamptz'),
        line: column('jsonb'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudDocument',
      tableName: 'documents',
      schema,
      columns: named({
        id: column('bigint', { primary: true, nullable: false }),
        objectId: column('text'),
        url: column('text'),
        code: column('text'),
        revision: column('text'),
        name: column('text'),
        type: column('text'),
        orderId: column('uuid'),
        lineId: column('uuid'),
        shipmentId: column('text'),
        side: column('text'),
        contentStatus: column('text'),
        sha256: column('text'),
        filename: column('text'),
        contentType: column('text'),
        sizeBytes: column('bigint'),
      }),
    }),
    new EntitySchema({
      name: 'TradecloudChange',
      tableName: 'changes',
      schema,
      columns: named({
        id: column('bigint', { primary: true, nullable: false }),
        entity: column('text'),
        changeType: column('text'),
        orderId: column('uuid'),
        lineId: column('uuid'),
        shipmentId: column('text'),
        eventId: column('bigint'),
        eventName: column('text'),
        previousLastUpdatedAt: column('timestamptz'),
        lastUpdatedAt: column('timestamptz'),
        diff: column('jsonb'),
        recordedAt: column('timestamptz'),
      }),
    }),
  ];
}

/**
 * Every entity of the module for the default schema `tradecloud`: the inbox entity plus
 * {@link tradecloudEntities}. For another schema use `tradecloudEntities(schema)`.
 */
export const TRADECLOUD_ENTITIES = [WebhookEventEntity, ...tradecloudEntities()];
