import { IsOptional, IsString } from 'class-validator';

/** Tradecloud's message meta; `messageId` is our first choice of idempotency key. */
export class MessageMetaDto {
  @IsOptional() @IsString() messageId?: string;
  @IsOptional() @IsString() createdDateTime?: string;
}
