import { isNumberLike, textValue } from '../changes/lossless-json';

export type DocumentSide = 'buyer' | 'supplier';

/** A document reference with its place in the order (header or line) and its side. */
export interface OwnedDocument {
  /**
   * Identity of the reference within its place: the object-storage id when there is one, else
   * the external URL, else code + revision + name. Re-attaching the same `code` with a new
   * `revision` is therefore a new row (a new version), and the older one stays queryable.
   */
  documentKey: string;
  objectId: string | null;
  url: string | null;
  code: string | null;
  revision: string | null;
  name: string | null;
  type: string | null;
  description: string | null;
  side: DocumentSide;
  lineId: string | null;
  linePosition: string | null;
  /** Shipment documents only: their own `meta.lastUpdatedAt` (or a flat `lastUpdatedAt`). */
  lastUpdatedAt: string | null;
  document: Record<string, unknown>;
}

export function mapDocumentReferences(
  documents: unknown,
  side: DocumentSide,
  lineId: string | null,
  linePosition: string | null,
): OwnedDocument[] {
  if (!Array.isArray(documents)) return [];
  return documents
    // An exact number is an object too (`LosslessNumber`); a number is no document however it is written.
    .filter((document): document is Record<string, unknown> => Boolean(document) && typeof document === 'object' && !isNumberLike(document))
    .map((document) => {
      const objectId = textValue(document.objectId);
      const url = textValue(document.url);
      const code = textValue(document.code);
      const revision = textValue(document.revision);
      const name = textValue(document.name);
      const meta = document.meta && typeof document.meta === 'object' ? (document.meta as Record<string, unknown>) : {};
      return {
        documentKey: objectId
          ? `object:${objectId}`
          : url
            ? `url:${url}`
            : `code:${code ?? ''}|revision:${revision ?? ''}|name:${name ?? ''}`,
        objectId,
        url,
        code,
        revision,
        name,
        type: textValue(document.type),
        description: textValue(document.description),
        side,
        lineId,
        linePosition,
        lastUpdatedAt: textValue(meta.lastUpdatedAt) ?? textValue(document.lastUpdatedAt),
        document,
      };
    });
}
