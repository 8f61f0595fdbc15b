import { Type } from 'class-transformer';
import { IsNumber, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

export class MoneyDto {
  @IsNumber({}, { message: '$property must be a number' }) value: number;
  @IsOptional() @IsString() currencyIso?: string;
}

export class PriceDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MoneyDto) priceInTransactionCurrency?: MoneyDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MoneyDto) priceInBaseCurrency?: MoneyDto;
}

export class PricesDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PriceDto) grossPrice?: PriceDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PriceDto) netPrice?: PriceDto;
  @IsOptional() @IsNumber({}, { message: '$property must be a number' }) discountPercentage?: number;
  @IsOptional() @IsString() priceUnitOfMeasureIso?: string;
  @IsOptional() @IsNumber({}, { message: '$property must be a number' }) priceUnitQuantity?: number;
}
