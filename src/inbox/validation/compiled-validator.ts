import { plainToInstance } from 'class-transformer';
import { ValidationArguments } from 'class-validator';
import { replaceMessageTokens, ValidationMetadata } from './library-internals';
import { CheckPlan, ClassPlan, CLASS_TRANSFORMER_OPTIONS, classPlan, ConstraintPlan, OPTIONAL, PropertyPlan } from './validation-plan';

/**
 * `plainToInstance` + class-validator's `validate()` without the instances: the plan of a DTO
 * class (`validation-plan.ts`) walked over the parsed JSON, producing exactly the messages
 * `validateBody` produced from the `ValidationError` tree (same order, same paths, same text).
 *
 * Why it may read the JSON instead of the instances: for the classes it accepts, an instance
 * property is the JSON value copied (`@Type` objects become class instances, arrays become new
 * arrays, primitives stay as they are). Constraints are called with the JSON value, except a
 * non-shallow constraint meeting an object, which gets class-transformer's copy of that one value;
 * `ValidationArguments.object` and the object given to `@ValidateIf` are class-transformer's
 * instance, built only when something reads them. So the parsed body is copied only in those rare
 * cases, never on the common path.
 *
 * One difference is left on purpose: class-transformer copies every field, unknown ones too, and
 * throws while doing so for an object without `@Type` that has an own `constructor` key (and
 * overflows the stack on nesting thousands of levels deep); the walk never visits unknown fields,
 * so it returns messages instead. Request bodies with a `constructor` or `__proto__` key, or
 * nested deeper than 64 levels, are refused before validation (`request-body.ts`).
 *
 * Metadata is read on a class's first validation: decorators applied to it later are not seen.
 */

/** Messages, or undefined: this body needs class-validator itself (a constraint answered with a promise). */
export type CompiledValidator = (json: object) => string[] | undefined;

export interface CompiledDto {
  /** Undefined when the DTO (or a class it nests) uses something the walk does not reproduce: use class-validator. */
  validate: CompiledValidator | undefined;
  fallbackReasons: readonly string[];
}

const compiled = new WeakMap<Function, CompiledDto>();

/** The compiled validator of a DTO class, built on first use and kept for the class's lifetime. */
export function compiledValidatorFor(dto: Function): CompiledDto {
  let entry = compiled.get(dto);
  if (!entry) {
    entry = compile(dto);
    compiled.set(dto, entry);
  }
  return entry;
}

function compile(dto: Function): CompiledDto {
  const root = classPlan(dto);
  const fallbackReasons = unsupportedReachableFrom(root);
  if (fallbackReasons.length) return { validate: undefined, fallbackReasons };
  const validate: CompiledValidator = (json) => {
    const walk: Walk = { messages: [], path: [] };
    try {
      visitObject(root, json as Record<string, unknown>, walk);
    } catch (error) {
      if (error === NEEDS_CLASS_VALIDATOR) return undefined;
      throw error;
    }
    return walk.messages;
  };
  return { validate, fallbackReasons };
}

function unsupportedReachableFrom(root: ClassPlan): string[] {
  const seen = new Set<ClassPlan>();
  const pending = [root];
  const reasons: string[] = [];
  while (pending.length) {
    const plan = pending.pop()!;
    if (seen.has(plan)) continue;
    seen.add(plan);
    reasons.push(...plan.unsupported);
    for (const property of plan.properties) if (property.nestedClass) pending.push(property.nestedClass);
  }
  return reasons;
}

const NEEDS_CLASS_VALIDATOR = Symbol('needs class-validator');
const UNKNOWN_VALUE = { unknownValue: 'an unknown value was passed to the validate function' };
const DIGITS = /^\d+$/;

interface Walk {
  messages: string[];
  /** Property names and array indexes from the body down to the object being walked. */
  path: Array<string | number>;
}

type Constraints = Record<string, string>;

/** class-validator's `execute()` on one object. */
function visitObject(plan: ClassPlan, json: Record<string, unknown>, walk: Walk): void {
  if (!plan.hasMetadata) return report(walk, undefined, UNKNOWN_VALUE);
  for (const property of plan.properties) visitProperty(plan, property, json, walk);
}

/** class-validator's `performValidations()` for one property of an object. */
function visitProperty(plan: ClassPlan, property: PropertyPlan, json: Record<string, unknown>, walk: Walk): void {
  const value = json[property.name];
  if (property.conditions.length && !conditionsHold(plan, property, json, value)) return;
  let constraints: Constraints | undefined;
  for (const check of property.defined) constraints = runCheck(plan, property, check, json, value, constraints);
  for (const check of property.checks) constraints = runCheck(plan, property, check, json, value, constraints);
  const { nested } = property;
  // `Array.isArray || instanceof Object` on class-transformer's copy, which is an object for any object of the JSON.
  const container = nested.length > 0 && value !== null && typeof value === 'object';
  if (nested.length && value !== undefined && !container) {
    for (let i = 0; i < nested.length; i++) (constraints ??= {})[nested[i].type] = nestedMessage(nested[i], property.nestedTargetNames[i], value);
  }
  if (constraints) report(walk, property.name, constraints);
  if (container) {
    walk.path.push(property.name);
    for (let i = 0; i < nested.length; i++) visitNested(property, value as object, walk);
    walk.path.pop();
  }
}

/** One pass of class-validator's `nestedValidations()` over an array or object value. */
function visitNested(property: PropertyPlan, value: object, walk: Walk): void {
  if (!Array.isArray(value)) return visitObject(property.nestedClass!, value as Record<string, unknown>, walk);
  const { nested } = property;
  // Each item is validated like a property named by its index, with the nested metadata only.
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (item === undefined) continue;
    if (item !== null && typeof item === 'object') {
      walk.path.push(index);
      for (let i = 0; i < nested.length; i++) visitNested(property, item as object, walk);
      walk.path.pop();
    } else {
      const constraints: Constraints = {};
      for (let i = 0; i < nested.length; i++) constraints[nested[i].type] = nestedMessage(nested[i], property.nestedTargetNames[i], item);
      report(walk, index, constraints);
    }
  }
}

function conditionsHold(plan: ClassPlan, property: PropertyPlan, json: Record<string, unknown>, value: unknown): boolean {
  let holds: unknown = true;
  let views: Views | undefined;
  for (const condition of property.conditions) {
    // Like class-validator: every condition is called, then all must hold.
    const result =
      condition === OPTIONAL ? value !== null && value !== undefined : condition((views ??= new Views(plan, property, json, value)).object, views.value);
    holds = holds && result;
  }
  return !!holds;
}

/** class-validator's `customValidations()` for one metadata; returns the property's constraints so far. */
function runCheck(plan: ClassPlan, property: PropertyPlan, check: CheckPlan, json: Record<string, unknown>, value: unknown, constraints: Constraints | undefined): Constraints | undefined {
  const { metadata } = check;
  let views: Views | undefined;
  if (metadata.validateIf) {
    views = new Views(plan, property, json, value);
    if (!metadata.validateIf(views.object, views.value)) return constraints;
  }
  for (const constraint of check.constraints) {
    const seen = constraint.shallow || value === null || typeof value !== 'object' ? value : (views ??= new Views(plan, property, json, value)).value;
    const args = new Arguments(plan, json, metadata, seen);
    let valid: boolean;
    if (!metadata.each || !Array.isArray(seen)) {
      valid = !!settled(constraint.instance.validate(seen, args));
    } else {
      const results = seen.map((item: unknown) => constraint.instance.validate(item, args));
      valid = results.every((result) => settled(result));
    }
    if (!valid) {
      // A message function may read `args.value`: like a non-shallow constraint, it gets class-transformer's copy of an object.
      const messageValue = seen !== null && typeof seen === 'object' && typeof metadata.message === 'function' ? (views ??= new Views(plan, property, json, value)).value : seen;
      (constraints ??= {})[constraint.type] = constraintMessage(plan, json, metadata, constraint, messageValue);
    }
  }
  return constraints;
}

/** A promise would put its message after every synchronous one: leave such a body to class-validator. */
function settled(result: unknown): unknown {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') throw NEEDS_CLASS_VALIDATOR;
  return result;
}

function constraintMessage(plan: ClassPlan, json: Record<string, unknown>, metadata: ValidationMetadata, constraint: ConstraintPlan, value: unknown): string {
  const args = new Arguments(plan, json, metadata, value);
  let message: unknown = metadata.message || '';
  if (!metadata.message && constraint.instance.defaultMessage instanceof Function) message = constraint.instance.defaultMessage(args);
  return replaceMessageTokens(message, args);
}

/** "nested property X must be either object or array": class-validator names the decorated class as the object. */
function nestedMessage(metadata: ValidationMetadata, targetName: string | undefined, value: unknown): string {
  const args: ValidationArguments = {
    targetName: targetName as string,
    property: metadata.propertyName,
    object: metadata.target as object,
    value,
    constraints: metadata.constraints,
  };
  return replaceMessageTokens(metadata.message || '', args);
}

/** `flatten()` of `validateBody`: the path of the error, then each constraint's message with its property name replaced by the path. */
function report(walk: Walk, property: string | number | undefined, constraints: Constraints): void {
  let parent: string | undefined = '';
  for (const segment of walk.path) parent = join(parent, segment);
  const name = typeof property === 'number' ? String(property) : property;
  const path = join(parent, name);
  for (const message of Object.values(constraints)) {
    walk.messages.push(message.startsWith(name as string) ? path + message.slice((name as string).length) : `${path}: ${message}`);
  }
}

function join(parent: string | undefined, property: string | number | undefined): string | undefined {
  return DIGITS.test(property as string) ? `${parent}[${property}]` : parent ? `${parent}.${property}` : (property as string | undefined);
}

/** What class-validator would have seen instead of the JSON: class-transformer's instance and value, built once when asked for. */
class Views {
  #object: object | undefined;
  #value: unknown;
  #valueBuilt = false;

  constructor(
    private readonly plan: ClassPlan,
    private readonly property: PropertyPlan,
    private readonly json: Record<string, unknown>,
    private readonly raw: unknown,
  ) {}

  get object(): object {
    return (this.#object ??= instanceOf(this.plan, this.json));
  }

  get value(): unknown {
    if (!this.#valueBuilt) {
      // The copy of one property is the same as inside the whole object: the compiled classes' @Type ignores the object.
      const name = this.property.name;
      this.#value = this.raw !== null && typeof this.raw === 'object' ? (plainToInstance(this.plan.cls as new () => object, { [name]: this.raw }, CLASS_TRANSFORMER_OPTIONS) as Record<string, unknown>)[name] : this.raw;
      this.#valueBuilt = true;
    }
    return this.#value;
  }
}

function instanceOf(plan: ClassPlan, json: Record<string, unknown>): object {
  return plainToInstance(plan.cls as new () => object, json, CLASS_TRANSFORMER_OPTIONS);
}

/** `ValidationArguments` as class-validator builds them; `object` is the instance, built only if a constraint or message reads it. */
class Arguments implements ValidationArguments {
  readonly targetName: string;
  readonly property: string;
  readonly constraints: unknown[];
  #plan: ClassPlan;
  #json: Record<string, unknown>;
  #object: object | undefined;

  constructor(
    plan: ClassPlan,
    json: Record<string, unknown>,
    metadata: ValidationMetadata,
    public value: unknown,
  ) {
    this.targetName = plan.targetName as string;
    this.property = metadata.propertyName;
    this.constraints = metadata.constraints;
    this.#plan = plan;
    this.#json = json;
  }

  get object(): object {
    return (this.#object ??= instanceOf(this.#plan, this.#json));
  }
}
