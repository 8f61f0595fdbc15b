import { Type } from 'class-transformer';
import { IsArray, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { MessageMetaDto } from './message-meta.dto';
import { OrderHeaderDto } from './order-header.dto';
import { OrderLineDto, SingleDeliveryOrderLineDto } from './order-line.dto';

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
  @IsOptional() @IsString() position?: string;
}

class OrderDocumentsLineDto {
  @IsOptional() @IsUUID('all', { message: '$property must be a UUID' }) id?: string;
  @IsOptional() @ValidateNested() @Type(() => DocumentsLineBuyerDto) buyerLine?: DocumentsLineBuyerDto;
  @IsOptional() @ValidateNested() @Type(() => DocumentsHolderDto) supplierLine?: DocumentsHolderDto;
}

/**
 * `orderDocumentsEvent`. Its schema is not published (REFERENCE §c.3 is inferred), so only
 * `orderId` is required and every document list is walked defensively.
 */
export class OrderDocumentsEventDto {
  @IsUUID('all', { message: '$property must be a UUID' }) orderId: string;
  @IsOptional() @ValidateNested() @Type(() => DocumentsHolderDto) buyerOrder?: DocumentsHolderDto;
  @IsOptional() @ValidateNested() @Type(() => DocumentsHolderDto) supplierOrder?: DocumentsHolderDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OrderDocumentsLineDto)
  lines?: OrderDocumentsLineDto[];

  @IsOptional() @ValidateNested() @Type(() => MessageMetaDto) meta?: MessageMetaDto;
  @IsOptional() @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' }) lastUpdatedAt?: string;
}

/** The body of the POST order and order-documents webhooks. Exactly one event object is present. */
export class OrderWebhookBodyDto {
  @IsString() @IsNotEmpty() eventName: string;
  @IsOptional() @ValidateNested() @Type(() => OrderEventDto) orderEvent?: OrderEventDto;
  @IsOptional() @ValidateNested() @Type(() => SingleDeliveryOrderEventDto) singleDeliveryOrderEvent?: SingleDeliveryOrderEventDto;
  @IsOptional() @ValidateNested() @Type(() => OrderDocumentsEventDto) orderDocumentsEvent?: OrderDocumentsEventDto;
  @IsOptional() @ValidateNested() @Type(() => MessageMetaDto) meta?: MessageMetaDto;
}

export const ORDER_PAYLOAD_KINDS = ['orderEvent', 'singleDeliveryOrderEvent', 'orderDocumentsEvent'] as const;
export type OrderPayloadKind = (typeof ORDER_PAYLOAD_KINDS)[number];
