import { linePosition, stableUuid } from './deterministic';
import { messageMeta, SAMPLE_BUYER_COMPANY_ID, SAMPLE_SUPPLIER_COMPANY_ID } from './order-builders';

export interface OrderDocumentsEventBuildOptions {
  /** Default 1 (ids derive from it when not given). */
  seed?: number;
  orderId?: string;
  purchaseOrderNumber?: string;
  buyerCompanyId?: string;
  supplierCompanyId?: string;
  /** `OrderDocumentsAttachedBySupplier` (default) or `OrderDocumentsAttachedByBuyer`; decides the side the documents sit on. */
  eventName?: 'OrderDocumentsAttachedBySupplier' | 'OrderDocumentsAttachedByBuyer' | string;
  /** Header documents with an `objectId`. Default 1. */
  headerDocuments?: number;
  /** Lines that get documents (1-based numbers, position n*10). Default `[1]`. */
  lineNumbers?: number[];
  /** `objectId` documents per line. Default 1. */
  documentsPerLine?: number;
  /**
   * When given, each line also gets one `url` document at `<urlBase>/<purchaseOrderNumber>/<position>.pdf`
   * (e.g. `simulator.partnerUrl('docs')`).
   */
  urlBase?: string;
  /** Document revision; a new revision yields new `objectId`s for the same codes. Default `'1'`. */
  revision?: string;
  /** Default `2025-06-12T11:05:43.020Z`. */
  lastUpdatedAt?: string;
  messageId?: string;
}

/**
 * `{ eventName, orderDocumentsEvent }`, shaped like the order-documents sample: documents on the
 * header and on lines, of the side named by the event, each with a deterministic `objectId`
 * (derived from order, side, place, index and revision) or a `url`.
 */
export function buildOrderDocumentsEvent(options: OrderDocumentsEventBuildOptions = {}): {
  eventName: string;
  orderDocumentsEvent: Record<string, any>;
} {
  const seed = options.seed ?? 1;
  const orderId = options.orderId ?? stableUuid('order', seed);
  const purchaseOrderNumber = options.purchaseOrderNumber ?? `PO-${orderId.slice(0, 8).toUpperCase()}`;
  const eventName = options.eventName ?? 'OrderDocumentsAttachedBySupplier';
  const side = /ByBuyer$/.test(eventName) ? 'buyer' : 'supplier';
  const revision = options.revision ?? '1';
  const lastUpdatedAt = options.lastUpdatedAt ?? '2025-06-12T11:05:43.020Z';
  const buyerCompanyId = options.buyerCompanyId ?? SAMPLE_BUYER_COMPANY_ID;
  const supplierCompanyId = options.supplierCompanyId ?? SAMPLE_SUPPLIER_COMPANY_ID;

  const objectDocument = (place: string, index: number) => ({
    code: `${side === 'buyer' ? 'SPEC' : 'CERT'}-${purchaseOrderNumber}-${place}-${index}`,
    revision,
    name: `${side === 'buyer' ? 'specification' : 'certificate'}-${place}-${index}.pdf`,
    description: side === 'buyer' ? 'Drawing / specification' : 'EN 10204 3.1 material certificate',
    type: side === 'buyer' ? 'General' : 'Certificate',
    objectId: stableUuid('document', orderId, side, place, index, revision),
  });
  const headerDocuments = Array.from({ length: options.headerDocuments ?? 1 }, (_, index) => objectDocument('header', index + 1));
  const lines = (options.lineNumbers ?? [1]).map((lineNumber) => {
    const position = linePosition(lineNumber);
    const documents: Array<Record<string, string>> = Array.from({ length: options.documentsPerLine ?? 1 }, (_, index) =>
      objectDocument(position, index + 1),
    );
    if (options.urlBase) {
      documents.push({
        code: `DS-${purchaseOrderNumber}-${position}`,
        name: `Datasheet line ${position}`,
        type: 'General',
        url: `${options.urlBase.replace(/\/+$/, '')}/${encodeURIComponent(purchaseOrderNumber)}/${position}.pdf`,
      });
    }
    return {
      id: stableUuid('line', orderId, lineNumber),
      buyerLine: side === 'buyer' ? { position, documents } : { position },
      ...(side === 'supplier' ? { supplierLine: { documents } } : {}),
    };
  });
  const buyerOrder: Record<string, unknown> = { companyId: buyerCompanyId, purchaseOrderNumber };
  const supplierOrder: Record<string, unknown> = { companyId: supplierCompanyId };
  (side === 'buyer' ? buyerOrder : supplierOrder).documents = headerDocuments;
  const author = side === 'buyer' ? buyerCompanyId : supplierCompanyId;
  return {
    eventName,
    orderDocumentsEvent: {
      orderId,
      buyerOrder,
      supplierOrder,
      lines,
      meta: messageMeta([orderId, eventName, lastUpdatedAt, seed, revision], lastUpdatedAt, author, options.messageId),
      lastUpdatedAt,
    },
  };
}
