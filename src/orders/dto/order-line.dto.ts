import { Type } from 'class-transformer';
import { IsArray, IsISO8601, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { DeliveryLineDto, ScheduledDeliveryDto } from './delivery-line.dto';
import { PricesDto } from './prices.dto';

const instantMessage = { message: '$property must be an ISO 8601 date' };

export class ItemDto {
  @IsOptional() @IsString() number?: string;
  @IsOptional() @IsString() name?: string;
}

export class BuyerLineDto {
  /** Empty for a line the supplier split off in single-delivery mode. */
  @IsOptional() @IsString() position?: string;
  @IsOptional() @IsString() originalPosition?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @ValidateNested() @Type(() => ItemDto) item?: ItemDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DeliveryLineDto)
  deliverySchedule?: DeliveryLineDto[];

  @IsOptional() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;

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

  @IsOptional() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

export class LineStatusDto {
  @IsOptional() @IsString() processStatus?: string;
  @IsOptional() @IsString() inProgressStatus?: string;
  @IsOptional() @IsString() logisticsStatus?: string;
}

/** What a line has in both modes. */
abstract class OrderLineBaseDto {
  @IsUUID('all', { message: '$property must be a UUID' }) id: string;
  @IsOptional() @IsString() lineType?: string;
  @IsOptional() @ValidateNested() @Type(() => BuyerLineDto) buyerLine?: BuyerLineDto;
  @IsOptional() @ValidateNested() @Type(() => SupplierLineDto) supplierLine?: SupplierLineDto;
  @IsOptional() @ValidateNested() @Type(() => ConfirmedLineDto) confirmedLine?: ConfirmedLineDto;
  @IsOptional() @ValidateNested() @Type(() => LineStatusDto) status?: LineStatusDto;
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

  @IsOptional() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

export class StatusLineDto {
  @IsOptional() @ValidateNested() @Type(() => ScheduledDeliveryDto) scheduledDelivery?: ScheduledDeliveryDto;
  @IsOptional() @ValidateNested() @Type(() => ScheduledDeliveryDto) scheduledDeliveryInclRequests?: ScheduledDeliveryDto;
  @IsOptional() @ValidateNested() @Type(() => PricesDto) prices?: PricesDto;
}

/** A line of `singleDeliveryOrderEvent`: one delivery per line, in `statusLine`. */
export class SingleDeliveryOrderLineDto extends OrderLineBaseDto {
  @IsOptional() @ValidateNested() @Type(() => StatusLineDto) statusLine?: StatusLineDto;
}
