import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { MessageMetaDto } from './message-meta.dto';

const instantMessage = { message: '$property must be an ISO 8601 date' };

export class BuyerOrderDto {
  @IsUUID('all', { message: '$property must be a UUID' }) companyId: string;
  @IsString() @MaxLength(200, { message: '$property must be at most $constraint1 characters long' }) purchaseOrderNumber: string;
  @IsOptional() @IsString() supplierAccountNumber?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

export class SupplierOrderDto {
  @IsOptional() @IsUUID('all', { message: '$property must be a UUID' }) companyId?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

export class OrderStatusDto {
  @IsOptional() @IsString() processStatus?: string;
  @IsOptional() @IsString() logisticsStatus?: string;
}

/** What `orderEvent` and `singleDeliveryOrderEvent` share: everything but the lines. */
export abstract class OrderHeaderDto {
  @IsUUID('all', { message: '$property must be a UUID' }) orderId: string;
  // Stored in an integer column: a value beyond it would be accepted and then never stored.
  @IsOptional()
  @IsInt({ message: '$property must be an integer' })
  @Min(-2147483648, { message: '$property must be a 32-bit integer' })
  @Max(2147483647, { message: '$property must be a 32-bit integer' })
  version?: number;

  @IsDefined({ message: '$property is required' })
  @IsObject() @ValidateNested()
  @Type(() => BuyerOrderDto)
  buyerOrder: BuyerOrderDto;

  @IsOptional()
  @IsObject() @ValidateNested()
  @Type(() => SupplierOrderDto)
  supplierOrder?: SupplierOrderDto;

  @IsOptional()
  @IsObject() @ValidateNested()
  @Type(() => OrderStatusDto)
  status?: OrderStatusDto;

  @IsOptional()
  @IsObject() @ValidateNested()
  @Type(() => MessageMetaDto)
  meta?: MessageMetaDto;

  @IsISO8601({ strict: true }, instantMessage) lastUpdatedAt: string;
}
