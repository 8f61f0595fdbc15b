import { IsNumber, IsOptional, IsString, ValidateBy, ValidationOptions } from 'class-validator';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateMessage = { message: '$property must be a date in yyyy-MM-dd form' };

/** A calendar date `yyyy-MM-dd` that exists (no 2025-02-30) in years 1–9999, as a `date` column takes it. */
export function isLocalDate(value: unknown): boolean {
  const match = typeof value === 'string' ? LOCAL_DATE.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function IsLocalDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isLocalDate', validator: { validate: isLocalDate } }, options);
}

/** One entry of a delivery schedule (`deliverySchedule[]`). */
export class DeliveryLineDto {
  @IsOptional() @IsString() position?: string;
  @IsLocalDate(dateMessage) date: string;
  @IsNumber({}, { message: '$property must be a number' }) quantity: number;
  @IsOptional() @IsString() status?: string;
  @IsOptional() @IsLocalDate(dateMessage) etd?: string;
  @IsOptional() @IsLocalDate(dateMessage) eta?: string;
  @IsOptional() @IsString() transportMode?: string;
}

/** The single delivery of a line in single-delivery mode (`statusLine.scheduledDelivery`). */
export class ScheduledDeliveryDto {
  @IsLocalDate(dateMessage) date: string;
  @IsNumber({}, { message: '$property must be a number' }) quantity: number;
  @IsOptional() @IsString() status?: string;
  @IsOptional() @IsLocalDate(dateMessage) etd?: string;
  @IsOptional() @IsLocalDate(dateMessage) eta?: string;
  @IsOptional() @IsString() transportMode?: string;
}
