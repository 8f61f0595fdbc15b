import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Upper bounds of webhook fields that end up in indexed columns or keys. A PostgreSQL btree entry
 * holds at most 2704 bytes: a longer value would be answered 202 and then never stored (the event
 * or its document download ending `dead`), so the DTOs refuse it with a 400 naming the field.
 * One place, so that POST bodies, the ids of the GET webhooks and the entities those fetch from
 * the Tradecloud API (validated with the same DTOs) agree.
 */
export const FIELD_LIMITS = {
  /** Opaque Tradecloud ids: `shipment.id` (GET `{shipmentId}`) and a document's `objectId` (a UUID in practice). */
  id: 200,
  /** Document `code`, `revision` and `name`: the document's identity when it has no `objectId` and no `url`. */
  documentCode: 200,
  documentRevision: 100,
  /** A short or file name. */
  documentName: 255,
  /** A business type such as `General`, `Invoice`, `Packing List`. */
  documentType: 200,
  /** A document `url`, in UTF-8 bytes (the common 2048 limit of URLs); it is the document's identity when there is no `objectId`. */
  documentUrlBytes: 2048,
} as const;

/** `orderEvent.lines[0].buyerLine.position must be at most 100 characters long` (the path is added by `validateBody`). */
export const TOO_LONG = { message: '$property must be at most $constraint1 characters long' };

/**
 * At most `max` bytes once encoded as UTF-8: the unit PostgreSQL's index limit counts in. A
 * character count alone would let 2048 CJK characters (6 kB) through.
 */
export function MaxUtf8Bytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => '$property must be at most $constraint1 bytes long (UTF-8)',
      },
    },
    options,
  );
}
