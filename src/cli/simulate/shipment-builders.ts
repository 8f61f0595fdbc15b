import { addDays, linePosition, SeededRandom, selectLineNumbers, stableUuid } from './deterministic';
import { cloneJson, SAMPLE_SHIPMENT_PARTS } from './sample-parts';
import { messageMeta, SAMPLE_BUYER_COMPANY_ID, SAMPLE_SUPPLIER_COMPANY_ID } from './order-builders';

export interface ShipmentBuildOptions {
  /** Varies quantities and items; same seed → same body. Default `1`. */
  seed?: number;
  /** Default `SHP-<seed>-<number>`-like, derived from the seed. */
  shipmentNumber?: string;
  /** Default `<supplierCompanyId>-<shipmentNumber>` (the SDK's pattern; treat as opaque). */
  shipmentId?: string;
  supplierCompanyId?: string;
  buyerCompanyId?: string;
  /** Number of lines. Default 2. Ignored when `lineNumbers` is given. */
  lineCount?: number;
  firstLineNumber?: number;
  /** Exactly these lines (1-based; despatch advice line position = the number), e.g. to leave one out. */
  lineNumbers?: number[];
  /**
   * Load carriers (pallets) holding the first half of the lines, round-robin; the other lines
   * travel loose. Default 1 when there are at least 2 lines, else 0.
   */
  loadCarrierCount?: number;
  /** Order every line refers to. Default `PO2025-004711` (the samples' order). */
  purchaseOrderNumber?: string;
  /** `shipment.meta.lastUpdatedAt`. Default `2025-06-30T06:12:44.507Z`. */
  lastUpdatedAt?: string;
  /** Per line `meta.lastUpdatedAt`; default the shipment's (= changed by this event). */
  lineLastUpdatedAt?: string | ((lineNumber: number) => string);
  /** Supplier documents with an `objectId`. Default 0. */
  documentCount?: number;
  /** Buyer documents with an `objectId` (e.g. a signed goods receipt after approval). Default 0. */
  buyerDocumentCount?: number;
  /** `meta.lastUpdatedAt` of all documents; default the shipment's. */
  documentLastUpdatedAt?: string;
  /** Default: from the event name (`Issued`, `Approved`, `Rejected`). */
  processStatus?: string;
  /** Load carriers are sea containers (`containerNumber`, `containerSizeAndType` 42G1) rather than pallets. Default false. */
  containers?: boolean;
  /** `locations.departure.etdDate`. Default 2025-06-30 plus 0–19 days by seed. */
  etd?: string;
  /** `locations.destinations[0].etaStartDate` (and `etaEndDate`). Default: the day after `etd` (by road). */
  eta?: string;
  /** `locations.destinations[0].ataDate`: the shipment arrived. Default none. */
  ata?: string;
  /** Default the sample's (`Road transport`); containers: `Maritime transport`. */
  transportMode?: string;
}

export interface ShipmentEventBuildOptions extends ShipmentBuildOptions {
  /** Default `ShipmentIssuedBySupplier`. */
  eventName?: string;
  /** Top-level `meta.messageId`. Default derived from shipment, event and `lastUpdatedAt`. */
  messageId?: string;
}

const SHIPMENT_ITEMS = [
  { buyerItemNumber: 'HYD-4410-22', buyerItemRevision: 'B', buyerItemName: 'Hose assembly 1/2in 2200mm', supplierItemNumber: 'HA-12-2200', supplierItemName: 'Hose assy 12-2200' },
  { buyerItemNumber: 'FIT-0090-M16', buyerItemName: 'Straight fitting M16', supplierItemNumber: 'SF-M16' },
  { buyerItemNumber: 'BRG-6204-2RS', buyerItemRevision: 'A', buyerItemName: 'Deep groove ball bearing 6204-2RS', supplierItemNumber: '6204-2RS-C3', supplierItemName: 'Bearing 6204 2RS C3' },
];

/** The shipment object (as in a shipment webhook and the `GET /shipment/{id}` answer), shaped like the samples. */
export function buildShipment(options: ShipmentBuildOptions & { eventName?: string } = {}): Record<string, any> {
  const seed = options.seed ?? 1;
  const supplierCompanyId = options.supplierCompanyId ?? SAMPLE_SUPPLIER_COMPANY_ID;
  const shipmentNumber = options.shipmentNumber ?? `SHP-${stableUuid('shipment', seed).slice(0, 8).toUpperCase()}`;
  const shipmentId = options.shipmentId ?? `${supplierCompanyId}-${shipmentNumber}`;
  const lastUpdatedAt = options.lastUpdatedAt ?? '2025-06-30T06:12:44.507Z';
  const purchaseOrderNumber = options.purchaseOrderNumber ?? 'PO2025-004711';
  const despatchAdviceNumber = `DA-${shipmentNumber}`;
  const lineNumbers = selectLineNumbers(options);
  const perLine = options.lineLastUpdatedAt;

  const line = (lineNumber: number) => {
    const random = new SeededRandom(seed, shipmentId, lineNumber);
    const item = random.pick(SHIPMENT_ITEMS);
    const quantity = random.int(1, 500);
    const backorder = random.next() < 0.25 ? random.int(1, 50) : 0;
    return {
      purchaseOrderNumber,
      purchaseOrderLinePosition: linePosition(lineNumber),
      deliverySchedulePosition: '1',
      item: { ...item, purchaseUnitOfMeasureIso: 'PCE' },
      supplierLine: { despatchAdviceNumber, despatchAdviceLinePosition: String(lineNumber), despatchQuantity: quantity, backorderQuantity: backorder },
      meta: { lastUpdatedAt: typeof perLine === 'function' ? perLine(lineNumber) : (perLine ?? lastUpdatedAt) },
    };
  };

  const carrierCount = Math.min(options.loadCarrierCount ?? (lineNumbers.length >= 2 ? 1 : 0), lineNumbers.length);
  const inCarriers = carrierCount > 0 ? Math.max(carrierCount, Math.ceil(lineNumbers.length / 2)) : 0;
  const loadCarriers = Array.from({ length: carrierCount }, (_, carrier) => ({
    ...(options.containers
      ? { containerNumber: `MSKU${String(seed % 1_000_000).padStart(6, '0')}${carrier % 10}`, containerSizeAndType: '42G1' }
      : { packageSSCC: `3871234500${String(seed % 1000).padStart(3, '0')}${String(carrier + 1).padStart(5, '0')}`.slice(0, 18), packageType: 'PX' }),
    lines: lineNumbers.slice(0, inCarriers).filter((_, index) => index % carrierCount === carrier).map(line),
  }));

  const sample = cloneJson(SAMPLE_SHIPMENT_PARTS);
  const eventName = options.eventName ?? 'ShipmentIssuedBySupplier';
  const processStatus = options.processStatus ?? (/Approved/.test(eventName) ? 'Approved' : /Rejected/.test(eventName) ? 'Rejected' : 'Issued');
  const locations = sample.locations;
  const departureDate = options.etd ?? addDays('2025-06-30', seed % 20);
  locations.departure.etdDate = departureDate;
  locations.destinations[0].etaStartDate = options.eta ?? addDays(departureDate, 1);
  locations.destinations[0].etaEndDate = options.eta ?? addDays(departureDate, 1);
  if (options.ata) (locations.destinations[0] as Record<string, unknown>).ataDate = options.ata;

  const supplierShipment: Record<string, any> = sample.supplierShipment;
  supplierShipment.companyId = supplierCompanyId;
  supplierShipment.shipmentNumber = shipmentNumber;
  supplierShipment.documents = Array.from({ length: options.documentCount ?? 0 }, (_, index) => ({
    code: `PL-${shipmentNumber}-${index + 1}`,
    revision: '1',
    name: `packing-list-${shipmentNumber}-${index + 1}.pdf`,
    description: 'Packing list',
    type: 'Packing List',
    objectId: stableUuid('document', shipmentId, 'supplier', index + 1),
    meta: { lastUpdatedAt: options.documentLastUpdatedAt ?? lastUpdatedAt },
  }));
  const buyerShipment: Record<string, any> = sample.buyerShipment;
  buyerShipment.companyId = options.buyerCompanyId ?? SAMPLE_BUYER_COMPANY_ID;
  buyerShipment.documents = Array.from({ length: options.buyerDocumentCount ?? 0 }, (_, index) => ({
    code: `GRN-${shipmentNumber}-${index + 1}`,
    name: `goods-receipt-note-${index + 1}.pdf`,
    description: 'Signed CMR / goods receipt',
    type: 'General',
    objectId: stableUuid('document', shipmentId, 'buyer', index + 1),
    meta: { lastUpdatedAt: options.documentLastUpdatedAt ?? lastUpdatedAt },
  }));

  return {
    id: shipmentId,
    identifiers: { ...sample.identifiers, billOfLadingNumber: `RTM-BL-${shipmentNumber}` },
    transportMode: options.transportMode ?? (options.containers ? 'Maritime transport' : sample.transportMode),
    supplierShipment,
    buyerShipment,
    loadCarriers,
    lines: lineNumbers.slice(inCarriers).map(line),
    locations,
    status: processStatus === 'Rejected' ? { processStatus, processStatusReason: 'Quantities do not match' } : { processStatus },
    meta: { lastUpdatedAt, supplierErpMeta: { despatchAdviceErpIssueDateTime: `${departureDate}T08:10:00` } },
  };
}

/** `{ eventName, shipment, meta }`: a POST shipment webhook body (all lines, inside and outside load carriers). */
export function buildShipmentEvent(options: ShipmentEventBuildOptions = {}): { eventName: string; shipment: Record<string, any>; meta: Record<string, any> } {
  const eventName = options.eventName ?? 'ShipmentIssuedBySupplier';
  const shipment = buildShipment({ ...options, eventName });
  const lastUpdatedAt: string = shipment.meta.lastUpdatedAt;
  return {
    eventName,
    shipment,
    meta: messageMeta([shipment.id, eventName, lastUpdatedAt, options.seed ?? 1], lastUpdatedAt, shipment.supplierShipment.companyId, options.messageId),
  };
}
