import { IsNumber, IsOptional, IsString, ValidateBy, ValidationOptions } from 'class-validator';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateMessage = { message: '$property must be a date in yyyy-MM-dd form' };

/** A calendar date `yyyy-MM-dd` that exists (no 2025-02-30) in years 1–9999, as a `date` column takes it. */
export function isLocalDate(value: unknown): boolean {
  const match = typeof value === 'string' ? LOCAL_DATE.exec(value) : null;
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Arithmetic, not a Date per value: a 5 000-line order has 15 000 schedule dates to check.
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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
