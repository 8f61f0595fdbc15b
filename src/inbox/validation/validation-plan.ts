import { TransformationType } from 'class-transformer';
import { getMetadataStorage, IS_OPTIONAL, ValidationTypes, ValidatorConstraintInterface } from 'class-validator';
import { ConstraintMetadata, transformerMetadata, ValidationMetadata } from './library-internals';

/**
 * What class-validator would do for one DTO class, read once from its metadata: the plan the
 * compiled validator walks over the parsed JSON (see `compiled-validator.ts`). Everything that
 * today's `plainToInstance` + `validate()` looks up per object and per property (grouped
 * metadata, inherited metadata, constraint instances, `@Type` targets) is resolved here.
 *
 * Semantics kept from class-validator 0.15 (`ValidationExecutor`) with the options `validateBody`
 * uses (no groups, `whitelist: false`, `forbidUnknownValues` left at its default, which is `true`):
 * properties in the order of `groupByPropertyName`, conditions, then `@IsDefined`, then the other
 * constraints, then nested validation; a nested object of a class without metadata is an
 * "unknown value".
 */

export const CLASS_TRANSFORMER_OPTIONS = { enableImplicitConversion: false } as const;

/**
 * Built-in constraints whose answer for an object or array is the same whether they see the parsed
 * JSON or class-transformer's copy of it (they look at `typeof`, `Array.isArray`, the array's
 * length or the identity of its items, all of which the copy keeps). Any other constraint that
 * meets an object gets the copy (built for that value only), so its answer cannot differ.
 * Checked against class-validator 0.15's implementations; the names are those of its `ValidateBy`s.
 */
const SHALLOW_CONSTRAINTS = new Set([
  'isDefined', 'isString', 'isNumber', 'isInt', 'isBoolean', 'isObject', 'isArray', 'isEnum', 'isUuid', 'isIso8601',
  'maxLength', 'minLength', 'min', 'max', 'isNotEmpty', 'isEmpty', 'isIn', 'isNotIn', 'equals', 'notEquals',
  'arrayNotEmpty', 'arrayMinSize', 'arrayMaxSize', 'arrayContains', 'arrayNotContains',
]);

/** Types class-transformer converts a value to (rather than copying an object into): such a DTO is left to class-transformer. */
const CONVERTING_TYPES: unknown[] = [String, Number, Boolean, Date, Buffer, Map, Set, Array, Promise];

export interface ConstraintPlan {
  /** The key in `ValidationError.constraints`: the constraint's name, else the metadata type. */
  type: string;
  instance: ValidatorConstraintInterface;
  /** May be given the parsed JSON even for an object value (see SHALLOW_CONSTRAINTS). */
  shallow: boolean;
}

/** One `customValidation` / `isDefined` metadata: its per-decorator `validateIf`, then its constraint classes. */
export interface CheckPlan {
  metadata: ValidationMetadata;
  constraints: ConstraintPlan[];
}

/** `@IsOptional` is compiled to a null/undefined test; any other condition (`@ValidateIf`) is called. */
export const OPTIONAL = Symbol('IsOptional');
export type Condition = typeof OPTIONAL | ((object: object, value: unknown) => unknown);

export interface PropertyPlan {
  name: string;
  conditions: Condition[];
  defined: CheckPlan[];
  checks: CheckPlan[];
  /** `@ValidateNested` metadata, each walked once as class-validator does. */
  nested: ValidationMetadata[];
  /** `$target` of a nested message: class-validator passes the decorated class as the "object". */
  nestedTargetNames: Array<string | undefined>;
  /** What a nested object (also inside nested arrays) becomes: `@Type`'s class, else a plain Object. */
  nestedClass: ClassPlan | undefined;
}

export interface ClassPlan {
  cls: Function;
  /** `object.constructor.name` of an instance, for `$target` and `ValidationArguments.targetName`. */
  targetName: string | undefined;
  /** false: every object of this class is "an unknown value" (forbidUnknownValues). */
  hasMetadata: boolean;
  properties: PropertyPlan[];
  /** Why the JSON cannot stand in for this class's instances; empty when it can. */
  unsupported: string[];
}

const plans = new WeakMap<Function, ClassPlan>();

/** The plan of a class, built on first use; classes reachable through `@Type` are planned too (cycles allowed). */
export function classPlan(cls: Function): ClassPlan {
  let plan = plans.get(cls);
  if (plan) return plan;
  plan = { cls, targetName: undefined, hasMetadata: false, properties: [], unsupported: [] };
  plans.set(cls, plan);
  try {
    fill(plan);
  } catch (error) {
    plan.unsupported.push(`planning failed: ${(error as Error)?.message ?? String(error)}`);
  }
  return plan;
}

function fill(plan: ClassPlan): void {
  const { cls, unsupported } = plan;
  const storage = getMetadataStorage();
  // Exactly the lookup class-validator makes per object (own metadata first, then inherited metadata it does not override).
  const metadatas = storage.getTargetValidationMetadatas(cls, undefined as unknown as string, false, false, undefined);
  plan.hasMetadata = metadatas.length > 0;
  // class-transformer creates instances with `new cls()`: a property the constructor or prototype already gives a value
  // (initialiser, getter, method) would not be read from the JSON, so only classes without such properties are compiled.
  const probe = new (cls as new () => Record<string, unknown>)();
  plan.targetName = probe.constructor ? (probe.constructor as Function).name : undefined;
  if (transformerMetadata.getStrategy(cls) !== 'none' || transformerMetadata.getExposedMetadatas(cls).length || transformerMetadata.getExcludedMetadatas(cls).length) {
    unsupported.push(`${cls.name}: @Expose/@Exclude rename or drop properties`);
  }

  const grouped = storage.groupByPropertyName(metadatas);
  for (const name of Object.keys(grouped)) {
    const all = grouped[name];
    const where = `${cls.name}.${name}`;
    if (probe[name] !== undefined) unsupported.push(`${where}: an instance has a value before any JSON is copied in`);
    if (transformerMetadata.findTransformMetadatas(cls, name, TransformationType.PLAIN_TO_CLASS).length) unsupported.push(`${where}: @Transform`);
    const others = all.filter((m) => m.type !== ValidationTypes.IS_DEFINED && m.type !== ValidationTypes.WHITELIST);
    // PROMISE_VALIDATION (`@ValidatePromise`) only acts on Promise values, which parsed JSON never holds.
    const nested = others.filter((m) => m.type === ValidationTypes.NESTED_VALIDATION);
    const type = transformedType(cls, name, unsupported);
    plan.properties.push({
      name,
      conditions: others.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION).map(condition),
      defined: all.filter((m) => m.type === ValidationTypes.IS_DEFINED).map((m) => checkPlan(m, unsupported)),
      checks: others.filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION).map((m) => checkPlan(m, unsupported)),
      nested,
      nestedTargetNames: nested.map((m) => {
        const target = m.target as unknown as { constructor?: Function };
        return target.constructor ? target.constructor.name : undefined;
      }),
      // An untyped nested object is copied into a plain Object, whose class has no metadata.
      nestedClass: nested.length ? classPlan(type ?? Object) : undefined,
    });
  }
}

function condition(metadata: ValidationMetadata): Condition {
  // IsOptional's own function is `object[propertyName] !== null && !== undefined` on the instance, i.e. on the value.
  return metadata.name === IS_OPTIONAL ? OPTIONAL : (metadata.constraints[0] as (object: object, value: unknown) => unknown);
}

function checkPlan(metadata: ValidationMetadata, unsupported: string[]): CheckPlan {
  const constraints = getMetadataStorage()
    .getTargetValidatorConstraints(metadata.constraintCls)
    .map((constraint: ConstraintMetadata): ConstraintPlan => {
      // An async constraint's message is added when its promise settles, after every synchronous one: not reproduced.
      if (constraint.async) unsupported.push(`${String(metadata.target)}.${metadata.propertyName}: async constraint ${constraint.name}`);
      return {
        type: constraint.name ? constraint.name : metadata.type,
        // class-validator asks its container on every use; the default container always returns the same instance.
        instance: constraint.instance,
        shallow: SHALLOW_CONSTRAINTS.has(constraint.name) && constraint.target.name === 'CustomConstraint',
      };
    });
  return { metadata, constraints };
}

/** The class `@Type` gives the property's objects, or undefined (untyped); notes what the JSON cannot reproduce. */
function transformedType(cls: Function, name: string, unsupported: string[]): Function | undefined {
  const metadata = transformerMetadata.findTypeMetadata(cls, name);
  if (!metadata) return undefined;
  const where = `${cls.name}.${name}`;
  if (metadata.options?.discriminator) unsupported.push(`${where}: @Type discriminator`);
  // `@Type(() => X)` ignores its argument; a type function that reads the object could pick a different class per value.
  if (metadata.typeFunction && metadata.typeFunction.length > 0) unsupported.push(`${where}: @Type function depends on the object`);
  const arrayType = metadata.reflectedType as Function | undefined;
  if (typeof arrayType === 'function' && arrayType !== Array && (arrayType === Set || arrayType === Map || 'push' in arrayType.prototype)) {
    unsupported.push(`${where}: arrays become ${arrayType.name}`);
  }
  const type = (metadata.typeFunction ? metadata.typeFunction() : metadata.reflectedType) as Function | undefined;
  if (CONVERTING_TYPES.includes(type)) unsupported.push(`${where}: @Type converts values to ${type?.name}`);
  return type;
}
