import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsISO8601, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { FIELD_LIMITS } from '../../inbox/field-limits';
import { MessageMetaDto } from '../../orders/dto/message-meta.dto';

const instantMessage = { message: '$property must be an ISO 8601 date' };
const required = { message: '$property is required' };
/** Indexed columns (the line key is a composite primary key): longer values would be accepted and then never stored. */
const TOO_LONG = { message: '$property must be at most $constraint1 characters long' };

class LastUpdatedMetaDto {
  @IsISO8601({ strict: true }, instantMessage) lastUpdatedAt: string;
}

class OptionalLastUpdatedMetaDto {
  @IsOptional() @IsISO8601({ strict: true }, instantMessage) lastUpdatedAt?: string;
}

export class ShipmentSupplierLineDto {
  @IsString() @IsNotEmpty() @MaxLength(200, TOO_LONG) despatchAdviceNumber: string;
  @IsString() @IsNotEmpty() @MaxLength(100, TOO_LONG) despatchAdviceLinePosition: string;
  @IsNumber({}, { message: '$property must be a number' }) despatchQuantity: number;
  @IsOptional() @IsNumber({}, { message: '$property must be a number' }) backorderQuantity?: number;
}

export class ShipmentItemDto {
  @IsOptional() @IsString() buyerItemNumber?: string;
}

/** A shipment line; its own `meta.lastUpdatedAt` says when it last changed (the shipment's is used when absent). */
export class ShipmentLineDto {
  @IsString() @IsNotEmpty() @MaxLength(200, TOO_LONG) purchaseOrderNumber: string;
  @IsString() @IsNotEmpty() @MaxLength(100, TOO_LONG) purchaseOrderLinePosition: string;
  @IsOptional() @IsString() deliverySchedulePosition?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ShipmentItemDto) item?: ShipmentItemDto;
  @IsDefined(required) @IsObject() @ValidateNested() @Type(() => ShipmentSupplierLineDto) supplierLine: ShipmentSupplierLineDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => OptionalLastUpdatedMetaDto) meta?: OptionalLastUpdatedMetaDto;
}

export class LoadCarrierDto {
  @IsOptional() @IsString() containerNumber?: string;
  @IsOptional() @IsString() packageSSCC?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ShipmentLineDto)
  lines?: ShipmentLineDto[];
}

class ShipmentPartyDto {
  @IsUUID('all', { message: '$property must be a UUID' }) companyId: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

class SupplierShipmentDto extends ShipmentPartyDto {
  @IsString() @IsNotEmpty() @MaxLength(200, TOO_LONG) shipmentNumber: string;
}

class ShipmentStatusDto {
  @IsOptional() @IsString() processStatus?: string;
  @IsOptional() @IsString() processStatusReason?: string;
}

/** The shipment object of a shipment webhook, and of `GET /shipment/{id}`: all lines, all documents. */
export class ShipmentDto {
  /** Opaque text, not a UUID; the same bound as the GET shipment webhook's `{shipmentId}`. */
  @IsString() @IsNotEmpty() @MaxLength(FIELD_LIMITS.id, TOO_LONG) id: string;
  @IsOptional() @IsString() transportMode?: string;
  @IsDefined(required) @IsObject() @ValidateNested() @Type(() => SupplierShipmentDto) supplierShipment: SupplierShipmentDto;
  @IsDefined(required) @IsObject() @ValidateNested() @Type(() => ShipmentPartyDto) buyerShipment: ShipmentPartyDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LoadCarrierDto)
  loadCarriers?: LoadCarrierDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ShipmentLineDto)
  lines?: ShipmentLineDto[];

  @IsOptional() @IsObject() @ValidateNested() @Type(() => ShipmentStatusDto) status?: ShipmentStatusDto;
  @IsDefined(required) @IsObject() @ValidateNested() @Type(() => LastUpdatedMetaDto) meta: LastUpdatedMetaDto;
}

/** The body of the POST shipment webhook: `{ eventName, shipment, meta }`. */
export class ShipmentWebhookBodyDto {
  @IsString() @IsNotEmpty() eventName: string;
  @IsDefined(required) @IsObject() @ValidateNested() @Type(() => ShipmentDto) shipment: ShipmentDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MessageMetaDto) meta?: MessageMetaDto;
}
