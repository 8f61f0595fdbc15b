import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Tradecloud's message meta; `messageId` is our first choice of idempotency key. */
export class MessageMetaDto {
  /** Part of the idempotency key, which is indexed: bounded. */
  @IsOptional() @IsString() @MaxLength(500, { message: '$property must be at most $constraint1 characters long' }) messageId?: string;
  @IsOptional() @IsString() createdDateTime?: string;
}
