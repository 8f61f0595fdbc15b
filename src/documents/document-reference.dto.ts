import { Type } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, ValidateNested } from 'class-validator';

class DocumentMetaDto {
  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' })
  lastUpdatedAt?: string;
}

/**
 * A document reference as Tradecloud sends it (order and shipment documents alike): never the
 * content, only an `objectId` in Tradecloud's object storage or an external `url`.
 */
export class DocumentReferenceDto {
  @IsOptional() @IsString() code?: string;
  @IsOptional() @IsString() revision?: string;
  @IsOptional() @IsString() name?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsString() type?: string;
  @IsOptional() @IsString() objectId?: string;
  @IsOptional() @IsString() url?: string;

  /** Shipment documents carry their own `meta.lastUpdatedAt` (some renderings put it flat). */
  @IsOptional()
  @ValidateNested()
  @Type(() => DocumentMetaDto)
  meta?: DocumentMetaDto;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date' })
  lastUpdatedAt?: string;
}
