import 'reflect-metadata';
import { Expose, Transform, Type } from 'class-transformer';
import {
  Allow, ArrayMaxSize, IsDefined, IsIn, IsInt, IsNotEmptyObject, IsObject, IsOptional, IsString, MaxLength, registerDecorator, Validate,
  ValidateIf, ValidateNested, ValidationArguments, ValidationOptions, ValidatorConstraint, ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateBody, validateBodyWithClassValidator } from '../validation-messages';
import { compiledValidatorFor } from './compiled-validator';

/**
 * The class-validator features the webhook DTOs do not use (yet), on small DTOs made for the
 * purpose: each must give class-validator's messages, or make the DTO fall back to it.
 */

@ValidatorConstraint({ name: 'startsWith' })
class StartsWith implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return typeof value === 'string' && value.startsWith(String(args.constraints[0]));
  }
  defaultMessage(args: ValidationArguments): string {
    // Reads the instance: must be class-transformer's, with its class name.
    return `$property of ${args.targetName} (${(args.object as object).constructor.name}) must start with $constraint1, got $value`;
  }
}

/** A custom decorator whose check looks at the object's own keys, as class-transformer copied them. */
function HasKeys(count: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasKeys',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [count],
      options,
      validator: { validate: (value: unknown) => !!value && typeof value === 'object' && Object.keys(value).length === count },
    });
}

class Leaf {
  @IsString({ message: (args: ValidationArguments) => `${args.property} of ${args.targetName} is ${JSON.stringify(args.value)}` }) name: string;
  @IsOptional() @IsInt() @IsIn([1, 2, 3], { message: '$property must be 1, 2 or 3, not $value ($target)' }) rank?: number;
}

class NoRules {
  name?: string;
}

class Base {
  @IsOptional() @IsString() @MaxLength(3) code?: string;
  @IsDefined() @IsString() kind: string;
}

class Node extends Base {
  @ValidateIf((object: Node) => object instanceof Node && object.kind === 'branch') @IsObject() @ValidateNested() @Type(() => Leaf) leaf?: Leaf;
  @IsOptional() @ValidateNested() @ValidateNested({ message: 'twice' }) @Type(() => Leaf) twice?: Leaf[];
  @IsOptional() @ValidateNested({ each: true }) untyped?: unknown[];
  @IsOptional() @ValidateNested() @Type(() => NoRules) empty?: NoRules;
  @IsOptional() @IsString({ each: true }) @ArrayMaxSize(2, { each: true }) tags?: string[];
  @IsOptional() @Validate(StartsWith, ['T-']) @Validate(StartsWith, ['T-'], { each: true }) ticket?: string;
  @IsOptional() @HasKeys(1) @HasKeys(2, { each: true }) @Type(() => Leaf) pair?: Leaf;
  @IsOptional() @IsNotEmptyObject() @Type(() => Leaf) some?: Leaf;
  @IsString({ validateIf: (object: Node) => object instanceof Node && object.kind !== 'free' }) label?: string;
  // Every condition is asked, and all must hold.
  @IsOptional() @ValidateIf((object: Node) => object.kind !== 'skip') @IsString() note?: string;
  @Allow() anything?: unknown;
  @IsOptional() @IsInt() '0'?: number;
}

// Node's own rules for Base's `code` replace Base's of the same metadata type (added as decorators would be, without redeclaring the field).
MaxLength(6)(Node.prototype, 'code');
MaxLength(5, { message: 'five' })(Node.prototype, 'code');
IsOptional()(Node.prototype, 'code');

class Root {
  @IsDefined({ message: '$property is required' }) @IsObject() @ValidateNested() @Type(() => Node) node: Node;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Node) nodes?: Node[][];
}

// Features the walk leaves to class-validator.
@ValidatorConstraint({ name: 'asyncCheck', async: true })
class AsyncCheck implements ValidatorConstraintInterface {
  validate = async (value: unknown) => value === 'ok';
}
class Later {
  @Validate(AsyncCheck) value: string;
}
class Converted {
  @IsString() @Transform(({ value }) => String(value)) text: string;
}
class Dated {
  @IsObject() @ValidateNested() @Type(() => Date) at: Date;
}
class Renamed {
  @Expose({ name: 'Name' }) @IsString() name: string;
}
class Defaulted {
  @IsString() name: string = 'default';
}
/** Not declared async, but answers with a promise for one value. */
@ValidatorConstraint({ name: 'sometimesAsync' })
class SometimesAsync implements ValidatorConstraintInterface {
  validate = (value: unknown) => (value === 'later' ? Promise.resolve(false) : typeof value === 'string');
}
class Promised {
  @Validate(SometimesAsync) @IsString() value: string;
}

const KEYS = ['node', 'nodes', 'code', 'kind', 'leaf', 'twice', 'untyped', 'empty', 'tags', 'ticket', 'pair', 'some', 'label', 'note', 'anything', '0', 'name', 'rank', 'toString', 'extra'];

const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, 0, 2, 7, 1.5, '', 'x', 'T-1', 'abcdef', 'abcdefg', 'branch', 'free', 'skip', 'leaf', 'later'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const body = fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: 6 });
const nodeBody = fc.record({ node: fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: 8 }) });

describe('compiled validator: class-validator features beyond the webhook DTOs', () => {
  it('reproduces conditions, each, custom constraints, inheritance, message functions, tokens and unknown values', async () => {
    expect(compiledValidatorFor(Root).fallbackReasons).toEqual([]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, nodeBody), async (input) => {
        expect(compiledValidatorFor(Root).validate!(input)).toEqual(await validateBodyWithClassValidator(Root, input));
      }),
      { seed: 612, numRuns: 1_500 },
    );
  });

  it.each([
    { node: { kind: 'skip', label: 'l', note: 5 } },
    { node: { kind: 'branch', label: 'l', note: null, leaf: 'x' } },
    { node: { kind: 'free', code: 'abcdefg', tags: ['a', 5, ['b', 'c', 'd']], twice: [{ name: 1 }, 'x', [null]] } },
    { node: { kind: 'k', label: 'l', '0': 'zero', ticket: ['T-1', 'X'], rank: 4 } },
  ])('agrees on %j', async (input) => {
    expect(compiledValidatorFor(Root).validate!(input)).toEqual(await validateBodyWithClassValidator(Root, input));
  });

  it('names an unknown value as class-validator does, also for a DTO without any rule', async () => {
    const input = { node: { kind: 'k', label: 'l', untyped: [{}, 1, [{}]], empty: {} }, nodes: [[{ kind: 1 }], 'x'] };
    const expected = await validateBodyWithClassValidator(Root, input);
    expect(expected).toContain('node.untyped[0].undefined: an unknown value was passed to the validate function');
    expect(compiledValidatorFor(Root).validate!(input)).toEqual(expected);
    expect(compiledValidatorFor(NoRules).validate!({ name: 'x' })).toEqual(await validateBodyWithClassValidator(NoRules, { name: 'x' }));
  });

  it('gives custom constraints class-transformer instances and values where they look at them', async () => {
    const input = { node: { kind: 'branch', label: 'l', ticket: 'X', pair: { name: 'a', toString: 1 }, some: { toString: 1 }, leaf: { name: 5, rank: 9 } } };
    const expected = await validateBodyWithClassValidator(Root, input);
    expect(expected).toEqual(expect.arrayContaining(['node.ticket of Node (Node) must start with T-, got X', 'node.leaf.name of Leaf is 5']));
    expect(compiledValidatorFor(Root).validate!(input)).toEqual(expected);
  });

  it.each([Later, Converted, Dated, Renamed, Defaulted])('leaves %o to class-validator', async (dto) => {
    expect(compiledValidatorFor(dto).validate).toBeUndefined();
    expect(compiledValidatorFor(dto).fallbackReasons.length).toBeGreaterThan(0);
    for (const input of [{}, { value: 'ok', text: 5, at: '2025-06-12', Name: 'n', name: 'n' }]) {
      expect(await validateBody(dto, input)).toEqual(await validateBodyWithClassValidator(dto, input));
    }
  });

  it('hands a body to class-validator when a constraint answers with a promise', async () => {
    expect(compiledValidatorFor(Promised).validate!({ value: 'now' })).toEqual([]);
    expect(compiledValidatorFor(Promised).validate!({ value: 'later' })).toBeUndefined();
    const expected = await validateBodyWithClassValidator(Promised, { value: 'later' });
    expect(expected).toHaveLength(1);
    expect(await validateBody(Promised, { value: 'later' })).toEqual(expected);
  });
});
