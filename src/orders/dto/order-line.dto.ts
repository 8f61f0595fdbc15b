import { Type } from 'class-transformer';
import { IsArray, IsISO8601, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { DeliveryLineDto, ScheduledDeliveryDto } from './delivery-line.dto';
import { PricesDto } from './prices.dto';

const instantMessage = { message: '$property must be an ISO 8601 date' };
/** Indexed columns: a longer value would be accepted and then never stored (btree entries are limited to about 2.7 kB). */
const TOO_LONG = { message: '$property must be at most $constraint1 characters long' };

export class ItemDto {
  @IsOptional() @IsString() number?: string;
  @IsOptional() @IsString() name?: string;
}

export class BuyerLineDto {
  /** Empty for a line the supplier split off in single-delivery mode. */
  @IsOptional() @IsString() @MaxLength(100, TOO_LONG) position?: string;
  @IsOptional() @IsString() originalPosition?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ItemDto) item?: ItemDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeliveryLineDto)
  deliverySchedule?: DeliveryLineDto[];

  @IsOptional() @IsObject() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

export class SupplierLineDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DocumentReferenceDto)
  documents?: DocumentReferenceDto[];
}

export class ConfirmedLineDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeliveryLineDto)
  deliverySchedule?: DeliveryLineDto[];

  @IsOptional() @IsObject() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

export class LineStatusDto {
  @IsOptional() @IsString() @MaxLength(200, TOO_LONG) processStatus?: string;
  @IsOptional() @IsString() inProgressStatus?: string;
  @IsOptional() @IsString() logisticsStatus?: string;
}

/** What a line has in both modes. */
abstract class OrderLineBaseDto {
  @IsUUID('all', { message: '$property must be a UUID' }) id: string;
  @IsOptional() @IsString() lineType?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => BuyerLineDto) buyerLine?: BuyerLineDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SupplierLineDto) supplierLine?: SupplierLineDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ConfirmedLineDto) confirmedLine?: ConfirmedLineDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LineStatusDto) status?: LineStatusDto;
  @IsISO8601({ strict: true }, instantMessage) lastUpdatedAt: string;
}

/** A line of `orderEvent` (delivery-schedule mode). */
export class OrderLineDto extends OrderLineBaseDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeliveryLineDto)
  deliverySchedule?: DeliveryLineDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeliveryLineDto)
  deliveryScheduleIncludingRequests?: DeliveryLineDto[];

  @IsOptional() @IsObject() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

export class StatusLineDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ScheduledDeliveryDto) scheduledDelivery?: ScheduledDeliveryDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ScheduledDeliveryDto) scheduledDeliveryInclRequests?: ScheduledDeliveryDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

/** A line of `singleDeliveryOrderEvent`: one delivery per line, in `statusLine`. */
export class SingleDeliveryOrderLineDto extends OrderLineBaseDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => StatusLineDto) statusLine?: StatusLineDto;
}
