/** An order as the read services return it: header columns, lines with their current schedule. */
export interface OrderView {
  orderId: string;
  purchaseOrderNumber: string;
  buyerCompanyId: string | null;
  supplierCompanyId: string | null;
  supplierAccountNumber: string | null;
  processStatus: string | null;
  logisticsStatus: string | null;
  version: number | null;
  lastUpdatedAt: Date;
  /** The header JSON as last received (unknown fields included). */
  header: Record<string, unknown>;
  lines: OrderLineView[];
}

export interface DeliveryLineView {
  seq: number;
  position: string | null;
  /** `yyyy-MM-dd` */
  date: string | null;
  /** Exact decimal as text. */
  quantity: string | null;
  status: string | null;
  etd: string | null;
  eta: string | null;
}

export interface OrderLineView {
  lineId: string;
  position: string | null;
  originalPosition: string | null;
  lineType: string | null;
  itemNumber: string | null;
  description: string | null;
  processStatus: string | null;
  inProgressStatus: string | null;
  logisticsStatus: string | null;
  /** Exact decimal as text. */
  netPrice: string | null;
  currency: string | null;
  lastUpdatedAt: Date;
  line: Record<string, unknown>;
  /** The `current` schedule: what to plan on. */
  currentSchedule: DeliveryLineView[];
}

export interface ChangeView {
  /** Also the cursor: pass the last one you saw as `after`. */
  id: string;
  entity: string;
  changeType: 'created' | 'updated';
  orderId: string | null;
  lineId: string | null;
  shipmentId: string | null;
  documentId: string | null;
  eventId: string | null;
  eventName: string | null;
  previousLastUpdatedAt: Date | null;
  lastUpdatedAt: Date | null;
  diff: Record<string, { old: unknown; new: unknown }> | null;
  recordedAt: Date;
}

export interface ChangePage {
  changes: ChangeView[];
  /** Pass as `after` to get the next page; null when this page is the last one for now. */
  nextCursor: string | null;
}

export interface ShipmentLineView {
  despatchAdviceNumber: string;
  despatchAdviceLinePosition: string;
  purchaseOrderNumber: string;
  purchaseOrderLinePosition: string;
  deliverySchedulePosition: string | null;
  orderId: string | null;
  lineId: string | null;
  despatchQuantity: string | null;
  backorderQuantity: string | null;
  containerNumber: string | null;
  packageSscc: string | null;
  removedAt: Date | null;
  lastUpdatedAt: Date;
  line: Record<string, unknown>;
}

export interface ShipmentView {
  shipmentId: string;
  shipmentNumber: string;
  supplierCompanyId: string | null;
  buyerCompanyId: string | null;
  processStatus: string | null;
  processStatusReason: string | null;
  transportMode: string | null;
  lastUpdatedAt: Date;
  shipment: Record<string, unknown>;
  lines: ShipmentLineView[];
}
