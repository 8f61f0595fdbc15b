import { addMilliseconds, linePosition, selectLineNumbers, stableUuid } from './deterministic';
import { cloneJson, SAMPLE_ORDER_HEADER } from './sample-parts';
import { deliveryScheduleLine, LineContext, ProcessStatus, processStatusFor, singleDeliveryLine, SupplierAnswer } from './order-lines';

/** The companies of the samples: a Dutch buyer and a German supplier. */
export const SAMPLE_BUYER_COMPANY_ID = '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8';
export const SAMPLE_SUPPLIER_COMPANY_ID = 'dcf95157-6451-4be2-a92e-a13a151f9572';
const DEFAULT_LAST_UPDATED_AT = '2025-06-12T09:41:27.318Z';

/** Suppliers of a simulation with several (the samples' supplier first), with the name Tradecloud sends in `supplierParty`. */
export const SIMULATED_SUPPLIERS = [
  { companyId: SAMPLE_SUPPLIER_COMPANY_ID, name: 'Supplier Example GmbH' },
  { companyId: '5b0e3f52-8c1d-4a7e-9f21-3d6c0a9b7e14', name: 'Hydraulics Nord B.V.' },
  { companyId: 'a8f2c6d4-1e3b-4c5a-8d7f-9b0e1c2d3f45', name: 'Bearings & Drives S.r.l.' },
] as const;

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
  /** Default: increases with `lastUpdatedAt` (hours since 2025-06-01, at least 1), as Tradecloud's versions do. */
  version?: number;
  /** Status of the lines and the order. Default: typical for the event name (`Confirmed` for GET orders). */
  processStatus?: ProcessStatus;
  /** A status per line (e.g. one cancelled line); `undefined` → `processStatus`. The order's status aggregates them. */
  lineProcessStatus?: (lineNumber: number) => ProcessStatus | undefined;
  /** The buyer's net price, per line or for all. Default: seeded. */
  netPrice?: number | ((lineNumber: number) => number);
  /** Date of every line's first delivery entry. Default: 2025-07-01 plus 0–27 days by line number. */
  firstDeliveryDate?: string;
  /** Confirmed lines: dates moved and price agreed. Default: seeded (0, 3, 7 or 9 days later; price kept or raised 7 %). */
  confirmation?: SupplierAnswer;
  /** In-progress lines: the supplier's proposal. Default: 14 days later, same price, reason `Capacity`. */
  proposal?: SupplierAnswer;
  /** Receipts the buyer recorded for each line's first entry. Default 0 (1 for completed lines). */
  receipts?: number;
  /** `buyerOrder.erpIssueDateTime` (local date-time). Default: the `lastUpdatedAt` date at 08:00. */
  issuedAt?: string;
  /** `buyerOrder.supplierParty.names[0]`. Default: the name of a {@link SIMULATED_SUPPLIERS} company, if it is one. */
  supplierName?: string;
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
    processStatus: options.lineProcessStatus?.(lineNumber) ?? resolved.processStatus,
    netPrice: typeof options.netPrice === 'function' ? options.netPrice(lineNumber) : options.netPrice,
    firstDeliveryDate: options.firstDeliveryDate,
    confirmation: options.confirmation,
    proposal: options.proposal,
    receipts: options.receipts,
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
  buyerOrder.erpIssueDateTime = options.issuedAt ?? `${resolved.lastUpdatedAt.slice(0, 10)}T08:00:00`;
  const supplierName = options.supplierName ?? SIMULATED_SUPPLIERS.find((supplier) => supplier.companyId === resolved.supplierCompanyId)?.name;
  if (supplierName) buyerOrder.supplierParty = { names: [supplierName] };
  const supplierOrder: Record<string, unknown> = sample.supplierOrder;
  supplierOrder.companyId = resolved.supplierCompanyId;
  return {
    version: options.version ?? Math.max(1, Math.floor((Date.parse(resolved.lastUpdatedAt) - Date.parse('2025-06-01T00:00:00Z')) / 3_600_000)),
    buyerOrder,
    supplierOrder,
    indicators: { deliveryOverdue: false },
    // The order status aggregates its lines (the first line's status stands for it).
    status: { processStatus: resolved.processStatus, logisticsStatus: resolved.processStatus === 'Cancelled' ? 'Cancelled' : 'Open' },
  };
}

/** The company whose action caused the event (`meta.source.companyId`): the buyer for `…ByBuyer` events, else the supplier. */
function actingCompany(eventName: string, resolved: Resolved): string {
  return /ByBuyer$/.test(eventName) ? resolved.buyerCompanyId : resolved.supplierCompanyId;
}

/** The order-level status and overdue flag, aggregated from its lines as Tradecloud does. */
function aggregate(header: Record<string, unknown>, lines: Array<Record<string, any>>): Record<string, unknown> {
  const statuses = lines.map((line) => line.status?.processStatus as string).filter(Boolean);
  const live = statuses.filter((status) => status !== 'Cancelled');
  const processStatus =
    statuses.length === 0
      ? (header.status as { processStatus: string }).processStatus
      : live.length === 0
        ? 'Cancelled'
        : live.every((status) => status === live[0])
          ? live[0]
          : live.some((status) => status !== 'Issued')
            ? 'InProgress'
            : 'Issued';
  return {
    ...header,
    indicators: { deliveryOverdue: lines.some((line) => line.indicators?.deliveryOverdue === true) },
    status: { processStatus, logisticsStatus: processStatus === 'Cancelled' ? 'Cancelled' : processStatus === 'Completed' ? 'Delivered' : 'Open' },
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
  const lines = resolved.lineNumbers.map((lineNumber) => deliveryScheduleLine(lineContext(options, resolved, lineNumber)));
  return {
    eventName,
    orderEvent: {
      orderId: resolved.orderId,
      ...aggregate(orderHeader(options, resolved), lines),
      meta: messageMeta([resolved.orderId, eventName, resolved.lastUpdatedAt, resolved.seed], resolved.lastUpdatedAt, actingCompany(eventName, resolved), options.messageId),
      lastUpdatedAt: resolved.lastUpdatedAt,
      lines,
    },
  };
}

/** The `GET /order/{id}` answer: `id` instead of `orderId`, all lines (default 2), no message meta. */
export function buildOrder(options: OrderBuildOptions = {}): Record<string, any> {
  const resolved = resolve(options, undefined);
  const lines = resolved.lineNumbers.map((lineNumber) => deliveryScheduleLine(lineContext(options, resolved, lineNumber)));
  return {
    id: resolved.orderId,
    ...aggregate(orderHeader(options, resolved), lines),
    lastUpdatedAt: resolved.lastUpdatedAt,
    lines,
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
  const header = aggregate(orderHeader(options, resolved), lines);
  return {
    eventName,
    singleDeliveryOrderEvent: {
      orderId: resolved.orderId,
      ...header,
      portalUrl: `https://portal.accp.tradecloud1.com/order/${resolved.orderId}`,
      meta: messageMeta([resolved.orderId, eventName, resolved.lastUpdatedAt, resolved.seed], resolved.lastUpdatedAt, actingCompany(eventName, resolved), options.messageId),
      lastUpdatedAt: resolved.lastUpdatedAt,
      lines,
    },
  };
}
