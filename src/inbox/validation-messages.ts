import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { compiledValidatorFor } from './validation/compiled-validator';

/**
 * Validates a parsed body against a DTO class and returns one message per problem, each naming
 * the full field path: `orderEvent.lines[1].lastUpdatedAt must be an ISO 8601 date`.
 * Unknown fields are allowed and left alone (Tradecloud adds fields over time).
 *
 * The DTO's class-validator metadata is compiled once into a walk over the parsed JSON
 * (`validation/compiled-validator.ts`): the same messages as {@link validateBodyWithClassValidator}
 * without copying the body into class instances, which made validation most of the intake's CPU
 * and garbage. A DTO using something the compiled walk does not reproduce is validated by
 * class-validator itself, as is a body for which a constraint answers asynchronously.
 */
export async function validateBody(dto: new () => object, json: unknown): Promise<string[]> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return ['body must be a JSON object'];
  return compiledValidatorFor(dto).validate?.(json) ?? validateBodyWithClassValidator(dto, json);
}

/** `plainToInstance` + class-validator's `validate()`: the reference the compiled validator must agree with, and its fallback. */
export async function validateBodyWithClassValidator(dto: new () => object, json: unknown): Promise<string[]> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return ['body must be a JSON object'];
  const instance = plainToInstance(dto, json, { enableImplicitConversion: false });
  const errors = await validate(instance, { whitelist: false, forbidNonWhitelisted: false, validationError: { target: false, value: false } });
  return flatten(errors, '');
}

function flatten(errors: ValidationError[], parent: string): string[] {
  const messages: string[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      messages.push(message.startsWith(error.property) ? path + message.slice(error.property.length) : `${path}: ${message}`);
    }
    messages.push(...flatten(error.children ?? [], path));
  }
  return messages;
}
