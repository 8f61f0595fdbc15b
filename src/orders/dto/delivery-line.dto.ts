import { IsNumber, IsOptional, IsString, Matches } from 'class-validator';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateMessage = { message: '$property must be a date in yyyy-MM-dd form' };

/** One entry of a delivery schedule (`deliverySchedule[]`). */
export class DeliveryLineDto {
  @IsOptional() @IsString() position?: string;
  @Matches(LOCAL_DATE, dateMessage) date: string;
  @IsNumber({}, { message: '$property must be a number' }) quantity: number;
  @IsOptional() @IsString() status?: string;
  @IsOptional() @Matches(LOCAL_DATE, dateMessage) etd?: string;
  @IsOptional() @Matches(LOCAL_DATE, dateMessage) eta?: string;
  @IsOptional() @IsString() transportMode?: string;
}

/** The single delivery of a line in single-delivery mode (`statusLine.scheduledDelivery`). */
export class ScheduledDeliveryDto {
  @Matches(LOCAL_DATE, dateMessage) date: string;
  @IsNumber({}, { message: '$property must be a number' }) quantity: number;
  @IsOptional() @IsString() status?: string;
  @IsOptional() @Matches(LOCAL_DATE, dateMessage) etd?: string;
  @IsOptional() @Matches(LOCAL_DATE, dateMessage) eta?: string;
  @IsOptional() @IsString() transportMode?: string;
}
