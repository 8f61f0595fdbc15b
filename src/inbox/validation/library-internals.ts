import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationArguments } from 'class-validator';

/**
 * The two pieces of class-validator / class-transformer the compiled validator needs that their
 * package entry points do not export. Both packages are plain CommonJS without an `exports` map,
 * so the deep paths resolve at runtime (NestJS's ValidationPipe reads the same storage this way);
 * the types come from the packages' own declaration files. Loading them with `require` returns the
 * very module instances the decorators registered their metadata in.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const transformerStorage = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage };
const validationUtils = require('class-validator/cjs/validation/ValidationUtils') as {
  ValidationUtils: { replaceMessageSpecialTokens(message: unknown, args: ValidationArguments): string };
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Where `@Type`, `@Transform`, `@Expose` and `@Exclude` are recorded. */
export const transformerMetadata: TransformerMetadataStorage = transformerStorage.defaultMetadataStorage;

/** class-validator's own `$property` / `$value` / `$constraintN` / `$target` substitution, so messages match to the character. */
export const replaceMessageTokens = (message: unknown, args: ValidationArguments): string =>
  validationUtils.ValidationUtils.replaceMessageSpecialTokens(message, args);

export type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];
export type ConstraintMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidatorConstraints']>[number];
