import { IsNumber, IsOptional, IsString, ValidateBy, ValidationOptions } from 'class-validator';

const dateMessage = { message: '$property must be a date in yyyy-MM-dd form' };

/** A calendar date `yyyy-MM-dd` that exists (no 2025-02-30) in years 1–9999, as a `date` column takes it. */
export function isLocalDate(value: unknown): boolean {
  // Character codes and arithmetic, no regular expression or Date: every schedule date is checked
  // at validation, by the mapper and before a stored body's dates are cast (a backfill of 10,000
  // orders checks about a million), and this is several times cheaper.
  if (typeof value !== 'string' || value.length !== 10 || value.charCodeAt(4) !== 0x2d || value.charCodeAt(7) !== 0x2d) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The number the ASCII digits `text[start, start + count)` write, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let number = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
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
