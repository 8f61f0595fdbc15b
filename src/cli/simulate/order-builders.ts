import { addMilliseconds, linePosition, selectLineNumbers, stableUuid } from './deterministic';
import { cloneJson, SAMPLE_ORDER_HEADER } from './sample-parts';
import { deliveryScheduleLine, LineContext, ProcessStatus, processStatusFor, singleDeliveryLine } from './order-lines';

/** The companies of the samples: a Dutch buyer and a German supplier. */
export const SAMPLE_BUYER_COMPANY_ID = '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8';
export const SAMPLE_SUPPLIER_COMPANY_ID = 'dcf95157-6451-4be2-a92e-a13a151f9572';
const DEFAULT_LAST_UPDATED_AT = '2025-06-12T09:41:27.318Z';

export interface OrderBuildOptions {
  /** Varies every generated value (items, quantities, prices); same seed → same body. Default `1`. */
  seed?: number;
  /** Default: derived from `seed`. */
  orderId?: string;
  /** Default: derived from `orderId` (`PO-` + 8 characters). */
  purchaseOrderNumber?: string;
  buyerCompanyId?: string;
  supplierCompanyId?: string;
  /** Number of lines (numbers `firstLineNumber`…). Default 2. Ignored when `lineNumbers` is given. */
  lineCount?: number;
  /** Default 1. Line n has position `n*10` ("0010") and an id derived from the order id and n, stable across events. */
  firstLineNumber?: number;
  /** Exactly these lines (1-based numbers), e.g. an event affecting lines 3 and 7 only. */
  lineNumbers?: number[];
  /** Delivery-schedule entries per line. Default 2. */
  scheduleEntries?: number;
  /** Order `lastUpdatedAt`. Default `2025-06-12T09:41:27.318Z`. */
  lastUpdatedAt?: string;
  /** Per line; default the order's `lastUpdatedAt`. */
  lineLastUpdatedAt?: string | ((lineNumber: number) => string);
  /** Default 4. */
  version?: number;
  /** Status of the lines and the order. Default: typical for the event name (`Confirmed` for GET orders). */
  processStatus?: ProcessStatus;
  /** Buyer header documents with an `objectId` (deterministic ids). Default 0. */
  headerDocuments?: number;
}

export interface OrderEventBuildOptions extends OrderBuildOptions {
  /** Default `OrderLinesAcceptedBySupplier` (`OrderChangesProposedBySupplier` for single delivery). */
  eventName?: string;
  /** `meta.messageId`. Default: derived from order, event name, `lastUpdatedAt` and seed. */
  messageId?: string;
}

interface Resolved {
  seed: number;
  orderId: string;
  purchaseOrderNumber: string;
  buyerCompanyId: string;
  supplierCompanyId: string;
  lastUpdatedAt: string;
  processStatus: ProcessStatus;
  lineNumbers: number[];
  scheduleEntries: number;
}

function resolve(options: OrderBuildOptions, eventName: string | undefined): Resolved {
  const seed = options.seed ?? 1;
  const orderId = options.orderId ?? stableUuid('order', seed);
  return {
    seed,
    orderId,
    purchaseOrderNumber: options.purchaseOrderNumber ?? `PO-${orderId.slice(0, 8).toUpperCase()}`,
    buyerCompanyId: options.buyerCompanyId ?? SAMPLE_BUYER_COMPANY_ID,
    supplierCompanyId: options.supplierCompanyId ?? SAMPLE_SUPPLIER_COMPANY_ID,
    lastUpdatedAt: options.lastUpdatedAt ?? DEFAULT_LAST_UPDATED_AT,
    processStatus: options.processStatus ?? (eventName ? processStatusFor(eventName) : 'Confirmed'),
    lineNumbers: selectLineNumbers(options),
    scheduleEntries: options.scheduleEntries ?? 2,
  };
}

function lineContext(options: OrderBuildOptions, resolved: Resolved, lineNumber: number): LineContext {
  const perLine = options.lineLastUpdatedAt;
  return {
    orderId: resolved.orderId,
    seed: resolved.seed,
    lineNumber,
    scheduleEntries: resolved.scheduleEntries,
    processStatus: resolved.processStatus,
    lastUpdatedAt: typeof perLine === 'function' ? perLine(lineNumber) : (perLine ?? resolved.lastUpdatedAt),
    salesOrderNumber: `SO-${resolved.orderId.slice(0, 5).toUpperCase()}`,
  };
}

/** Header of an order (everything but the id and the lines), modelled on the order-event sample. */
function orderHeader(options: OrderBuildOptions, resolved: Resolved): Record<string, unknown> {
  const sample = cloneJson(SAMPLE_ORDER_HEADER);
  const buyerOrder: Record<string, unknown> = sample.buyerOrder;
  buyerOrder.companyId = resolved.buyerCompanyId;
  buyerOrder.purchaseOrderNumber = resolved.purchaseOrderNumber;
  buyerOrder.documents = Array.from({ length: options.headerDocuments ?? 0 }, (_, index) => ({
    code: `SPEC-${resolved.purchaseOrderNumber}-${index + 1}`,
    revision: 'A',
    name: `specification-${index + 1}.pdf`,
    description: 'Drawing / specification',
    type: 'General',
    objectId: stableUuid('document', resolved.orderId, 'buyer', 'header', index + 1, 'A'),
  }));
  const supplierOrder: Record<string, unknown> = sample.supplierOrder;
  supplierOrder.companyId = resolved.supplierCompanyId;
  return {
    version: options.version ?? 4,
    buyerOrder,
    supplierOrder,
    indicators: { deliveryOverdue: false },
    // The order status aggregates its lines; all generated lines share one status.
    status: { processStatus: resolved.processStatus, logisticsStatus: resolved.processStatus === 'Cancelled' ? 'Cancelled' : 'Open' },
  };
}

export function messageMeta(parts: Array<string | number>, createdAfter: string, companyId: string, messageId?: string): Record<string, unknown> {
  return {
    messageId: messageId ?? stableUuid('message', ...parts),
    source: { traceId: stableUuid('trace', ...parts), userId: stableUuid('user', companyId), companyId },
    createdDateTime: addMilliseconds(createdAfter, 84),
  };
}

/** `{ eventName, orderEvent }`: a POST order webhook body in delivery-schedule mode, carrying only the selected lines. */
export function buildOrderEvent(options: OrderEventBuildOptions = {}): { eventName: string; orderEvent: Record<string, any> } {
  const eventName = options.eventName ?? 'OrderLinesAcceptedBySupplier';
  const resolved = resolve(options, eventName);
  return {
    eventName,
    orderEvent: {
      orderId: resolved.orderId,
      ...orderHeader(options, resolved),
      meta: messageMeta([resolved.orderId, eventName, resolved.lastUpdatedAt, resolved.seed], resolved.lastUpdatedAt, resolved.supplierCompanyId, options.messageId),
      lastUpdatedAt: resolved.lastUpdatedAt,
      lines: resolved.lineNumbers.map((lineNumber) => deliveryScheduleLine(lineContext(options, resolved, lineNumber))),
    },
  };
}

/** The `GET /order/{id}` answer: `id` instead of `orderId`, all lines (default 2), no message meta. */
export function buildOrder(options: OrderBuildOptions = {}): Record<string, any> {
  const resolved = resolve(options, undefined);
  const header = orderHeader(options, resolved);
  // The GET answer also echoes the buyer ERP's issue time (see the get-order sample).
  (header.buyerOrder as Record<string, unknown>).erpIssueDateTime = `${resolved.lastUpdatedAt.slice(0, 10)}T08:00:00`;
  return {
    id: resolved.orderId,
    ...header,
    lastUpdatedAt: resolved.lastUpdatedAt,
    lines: resolved.lineNumbers.map((lineNumber) => deliveryScheduleLine(lineContext(options, resolved, lineNumber))),
  };
}

export interface SingleDeliveryOrderEventBuildOptions extends OrderEventBuildOptions {
  /** Extra lines split by the supplier from the first selected line: no `position`, `originalPosition` set. Default 0. */
  splitLines?: number;
}

/** `{ eventName, singleDeliveryOrderEvent }`: a POST order webhook body in single-delivery mode. */
export function buildSingleDeliveryOrderEvent(
  options: SingleDeliveryOrderEventBuildOptions = {},
): { eventName: string; singleDeliveryOrderEvent: Record<string, any> } {
  const eventName = options.eventName ?? 'OrderChangesProposedBySupplier';
  const resolved = resolve(options, eventName);
  const lines = resolved.lineNumbers.map((lineNumber) => singleDeliveryLine(lineContext(options, resolved, lineNumber)));
  const splitFrom = linePosition(resolved.lineNumbers[0] ?? 1);
  const lastNumber = Math.max(0, ...resolved.lineNumbers);
  for (let index = 1; index <= (options.splitLines ?? 0); index++) {
    // Split lines get ids of their own: line numbers after the last regular one.
    lines.push(singleDeliveryLine(lineContext(options, resolved, lastNumber + index), splitFrom));
  }
  const header = orderHeader(options, resolved);
  return {
    eventName,
    singleDeliveryOrderEvent: {
      orderId: resolved.orderId,
      ...header,
      portalUrl: `https://portal.accp.tradecloud1.com/order/${resolved.orderId}`,
      meta: messageMeta([resolved.orderId, eventName, resolved.lastUpdatedAt, resolved.seed], resolved.lastUpdatedAt, resolved.supplierCompanyId, options.messageId),
      lastUpdatedAt: resolved.lastUpdatedAt,
      lines,
    },
  };
}
