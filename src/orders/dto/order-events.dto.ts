import { Type } from 'class-transformer';
import { IsArray, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { MessageMetaDto } from './message-meta.dto';
import { OrderHeaderDto } from './order-header.dto';
import { OrderLineDto, SingleDeliveryOrderLineDto } from './order-line.dto';

const TOO_LONG = { message: '$property must be at most $constraint1 characters long' };

/** `orderEvent`: delivery-schedule mode; carries only the lines the event affected. */
export class OrderEventDto extends OrderHeaderDto {
  @IsArray({ message: '$property must be an array' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines: OrderLineDto[];
}

/** `singleDeliveryOrderEvent`: one delivery per line. */
export class SingleDeliveryOrderEventDto extends OrderHeaderDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SingleDeliveryOrderLineDto)
  lines: SingleDeliveryOrderLineDto[];
}

class DocumentsHolderDto {
  @IsOptional() @IsString() companyId?: string;
  @IsOptional() @IsString() purchaseOrderNumber?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

class DocumentsLineBuyerDto extends DocumentsHolderDto {
  @IsOptional() @IsString() @MaxLength(100, TOO_LONG) position?: string;
}

class OrderDocumentsLineDto {
  @IsOptional() @IsUUID('all', { message: '$property must be a UUID' }) id?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => DocumentsLineBuyerDto) buyerLine?: DocumentsLineBuyerDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => DocumentsHolderDto) supplierLine?: DocumentsHolderDto;
}

/**
 * `orderDocumentsEvent`. Its schema is not published (REFERENCE §c.3 is inferred), so only
 * `orderId` is required and every document list is walked defensively.
 */
export class OrderDocumentsEventDto {
  @IsUUID('all', { message: '$property must be a UUID' }) orderId: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => DocumentsHolderDto) buyerOrder?: DocumentsHolderDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => DocumentsHolderDto) supplierOrder?: DocumentsHolderDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OrderDocumentsLineDto)
  lines?: OrderDocumentsLineDto[];

  @IsOptional() @IsObject() @ValidateNested() @Type(() => MessageMetaDto) meta?: MessageMetaDto;
  @IsOptional() @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' }) lastUpdatedAt?: string;
}

/** The body of the POST order and order-documents webhooks. Exactly one event object is present. */
export class OrderWebhookBodyDto {
  @IsString() @IsNotEmpty() eventName: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => OrderEventDto) orderEvent?: OrderEventDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SingleDeliveryOrderEventDto) singleDeliveryOrderEvent?: SingleDeliveryOrderEventDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => OrderDocumentsEventDto) orderDocumentsEvent?: OrderDocumentsEventDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MessageMetaDto) meta?: MessageMetaDto;
  /** The earlier name of `singleDeliveryOrderEvent` (Tradecloud's setup page, its Business Central connector): the same event. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SingleDeliveryOrderEventDto) simpleOrderEvent?: SingleDeliveryOrderEventDto;
}

export const ORDER_PAYLOAD_KINDS = ['orderEvent', 'singleDeliveryOrderEvent', 'orderDocumentsEvent'] as const;
export type OrderPayloadKind = (typeof ORDER_PAYLOAD_KINDS)[number];

/** Older body keys of an event object, and the payload kind they are stored, processed and counted as. */
export const ORDER_PAYLOAD_ALIASES: Readonly<Record<string, OrderPayloadKind>> = { simpleOrderEvent: 'singleDeliveryOrderEvent' };

/** The event object of a stored order body of this payload kind, under its name or an older one. */
export function orderPayloadOf(body: Record<string, unknown>, kind: string): unknown {
  return body[orderPayloadKeyOf(body, kind)];
}

/** The key of the body that holds the event object of this payload kind (its name, or an older one). */
export function orderPayloadKeyOf(body: Record<string, unknown>, kind: string): string {
  if (body[kind] !== undefined && body[kind] !== null) return kind;
  for (const [alias, aliased] of Object.entries(ORDER_PAYLOAD_ALIASES)) if (aliased === kind && body[alias] != null) return alias;
  return kind;
}
