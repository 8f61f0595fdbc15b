import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsInt, IsISO8601, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { MessageMetaDto } from './message-meta.dto';

const instantMessage = { message: '$property must be an ISO 8601 date' };

export class BuyerOrderDto {
  @IsUUID('all', { message: '$property must be a UUID' }) companyId: string;
  @IsString() purchaseOrderNumber: string;
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
  @IsOptional() @IsInt({ message: '$property must be an integer' }) version?: number;

  @IsDefined({ message: '$property is required' })
  @ValidateNested()
  @Type(() => BuyerOrderDto)
  buyerOrder: BuyerOrderDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => SupplierOrderDto)
  supplierOrder?: SupplierOrderDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => OrderStatusDto)
  status?: OrderStatusDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => MessageMetaDto)
  meta?: MessageMetaDto;

  @IsISO8601({ strict: true }, instantMessage) lastUpdatedAt: string;
}
