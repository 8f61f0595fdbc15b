import { Type } from 'class-transformer';
import { IsISO8601, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { FIELD_LIMITS, MaxUtf8Bytes, TOO_LONG } from '../inbox/field-limits';

class DocumentMetaDto {
  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' })
  lastUpdatedAt?: string;
}

/**
 * A document reference as Tradecloud sends it (order and shipment documents alike): never the
 * content, only an `objectId` in Tradecloud's object storage or an external `url`. Used for POST
 * bodies and for orders and shipments fetched by the GET webhooks alike.
 *
 * `objectId`, else `url`, else `code` + `revision` + `name` is the reference's identity, kept in a
 * unique index (and `objectId` in the download queue's key): those are bounded so that a reference
 * accepted is one that can be stored. The `url` scheme is not checked here: a non-http(s) link
 * is kept and its download fails with the reason, rather than the whole event being refused.
 * `description` is free text in a plain column, unbounded like a line's description.
 */
export class DocumentReferenceDto {
  @IsOptional() @IsString() @MaxLength(FIELD_LIMITS.documentCode, TOO_LONG) code?: string;
  @IsOptional() @IsString() @MaxLength(FIELD_LIMITS.documentRevision, TOO_LONG) revision?: string;
  @IsOptional() @IsString() @MaxLength(FIELD_LIMITS.documentName, TOO_LONG) name?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsString() @MaxLength(FIELD_LIMITS.documentType, TOO_LONG) type?: string;
  @IsOptional() @IsString() @MaxLength(FIELD_LIMITS.id, TOO_LONG) objectId?: string;
  @IsOptional() @IsString() @MaxUtf8Bytes(FIELD_LIMITS.documentUrlBytes) url?: string;

  /** Shipment documents carry their own `meta.lastUpdatedAt` (some renderings put it flat). */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DocumentMetaDto)
  meta?: DocumentMetaDto;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' })
  lastUpdatedAt?: string;
}
