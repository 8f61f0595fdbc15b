import { DocumentReferenceDto } from '../../documents/document-reference.dto';
import { DeliveryLineDto, ScheduledDeliveryDto } from '../../orders/dto/delivery-line.dto';
import { PriceDto, PricesDto } from '../../orders/dto/prices.dto';
import { classPlan, ClassPlan, OPTIONAL } from '../validation/validation-plan';

/**
 * The shape of a webhook body as tXML needs it: XML text has no types and no arrays, so the
 * converter (`txml-to-json.ts`) asks this schema, per element, whether it is a list, an object,
 * a number, a boolean or text. The schema is read once per DTO class from its class-validator
 * and class-transformer metadata: a property is a list exactly when the DTO says `@IsArray` or
 * `@ValidateNested({ each: true })`, a number when it says `@IsNumber`/`@IsInt`, a boolean when
 * it says `@IsBoolean`, an object of class X when it says `@Type(() => X)`.
 *
 * Tradecloud's tXML writes a list as its items repeated under a singular name, without a wrapper
 * (`lines` → `<line>…</line><line>…</line>`); the singular names are {@link TXML_ITEM_ELEMENTS}.
 * Parts of Tradecloud's body the DTOs do not validate (the DTOs check only what is stored in
 * columns) still need types so that the stored JSON is the one Tradecloud's JSON would be:
 * {@link TRADECLOUD_UNVALIDATED_FIELDS} gives those, from REFERENCE §c (indicators are
 * booleans, weights and measures numbers, requests carry schedules and prices). Anything else
 * unknown is text, or an object when it has child elements.
 */

export type ScalarKind = 'text' | 'number' | 'boolean';

export interface ScalarShape {
  kind: ScalarKind;
}

export interface ObjectShape {
  kind: 'object';
  /** Children by JSON name. */
  fields: Map<string, Shape>;
  /** Item element name → the JSON name of the list it belongs to. */
  items: Map<string, string>;
  /** Every child not in `fields` has this shape (the members of `indicators` are booleans). */
  anyChild?: Shape;
  /** Where children this object does not know are looked up; undefined for the generic object itself. */
  fallback?: ObjectShape;
  /** Lists the DTO requires (`orderEvent.lines`): absent in tXML means empty, since an empty list is no element at all. */
  requiredLists?: string[];
  /** {@link childOf}'s answers, per element name (a body repeats the same few names thousands of times). */
  resolved?: Map<string, ChildRole>;
}

export interface ArrayShape {
  kind: 'array';
  item: Shape;
  /** The singular element name of one item; undefined: only the plural wrapper form is accepted. */
  itemElement: string | undefined;
}

export type Shape = ScalarShape | ObjectShape | ArrayShape;

/**
 * Tradecloud's singular element names of its lists (its published tXML examples). A list of the
 * DTOs that is not here (`deliveryScheduleIncludingRequests`) is accepted only in the plural
 * wrapper form: `<deliveryScheduleIncludingRequests><deliveryScheduleLine>…</…>`.
 */
export const TXML_ITEM_ELEMENTS: Readonly<Record<string, string>> = {
  lines: 'line',
  deliverySchedule: 'deliveryScheduleLine',
  deliveryHistory: 'deliveryHistoryLine',
  chargeLines: 'chargeLine',
  documents: 'document',
  notes: 'note',
  labels: 'label',
  properties: 'property',
  names: 'name',
  addressLines: 'addressLine',
  dimensions: 'dimension',
};

const TEXT: ScalarShape = { kind: 'text' };
const NUMBER: ScalarShape = { kind: 'number' };
const BOOLEAN: ScalarShape = { kind: 'boolean' };

/** The object every unknown element with children is: its children resolve through the tables below. */
export const GENERIC_OBJECT: ObjectShape = { kind: 'object', fields: new Map(), items: new Map() };

const shapes = new WeakMap<Function, ObjectShape>();

/** The schema of a DTO class (built on first use, then kept). */
export function txmlShapeOf(dto: Function): ObjectShape {
  initGeneric();
  return objectShapeOf(classPlan(dto));
}

function objectShapeOf(plan: ClassPlan): ObjectShape {
  const known = shapes.get(plan.cls);
  if (known) return known;
  const shape: ObjectShape = { kind: 'object', fields: new Map(), items: new Map(), fallback: GENERIC_OBJECT };
  shapes.set(plan.cls, shape);
  for (const property of plan.properties) {
    const constraints = new Set(property.checks.flatMap((check) => check.constraints.map((constraint) => constraint.type)));
    let value: Shape;
    const nestedClass = property.nestedClass && property.nestedClass.cls !== Object ? property.nestedClass : undefined;
    if (nestedClass) value = objectShapeOf(nestedClass);
    else if (property.nestedClass) value = GENERIC_OBJECT;
    else if (constraints.has('isNumber') || constraints.has('isInt')) value = NUMBER;
    else if (constraints.has('isBoolean')) value = BOOLEAN;
    else value = TEXT;
    const isArray = constraints.has('isArray') || property.nested.some((metadata) => metadata.each);
    if (isArray) {
      addList(shape, property.name, value);
      if (!property.conditions.includes(OPTIONAL)) (shape.requiredLists ??= []).push(property.name);
    } else {
      shape.fields.set(property.name, value);
    }
  }
  return shape;
}

function addList(shape: ObjectShape, name: string, item: Shape): void {
  const itemElement = TXML_ITEM_ELEMENTS[name];
  shape.fields.set(name, { kind: 'array', item, itemElement });
  // A known property of the same name (`item.name` is text) keeps its meaning: it is looked up first.
  if (itemElement && !shape.items.has(itemElement)) shape.items.set(itemElement, name);
}

function object(fields: Record<string, Shape>, anyChild?: Shape): ObjectShape {
  const shape: ObjectShape = { kind: 'object', fields: new Map(), items: new Map(), anyChild, fallback: GENERIC_OBJECT };
  for (const [name, value] of Object.entries(fields)) {
    if (value.kind === 'array') addList(shape, name, value.item);
    else shape.fields.set(name, value);
  }
  return shape;
}

const list = (item: Shape): ArrayShape => ({ kind: 'array', item, itemElement: undefined });

/**
 * Fields of Tradecloud's body (REFERENCE §c) that the DTOs do not validate, with the types
 * Tradecloud's JSON gives them, wherever they appear outside a DTO's own properties.
 */
let TRADECLOUD_UNVALIDATED_FIELDS: Record<string, Shape> | undefined;

function initGeneric(): void {
  if (TRADECLOUD_UNVALIDATED_FIELDS) return;
  const prices = objectShapeOf(classPlan(PricesDto));
  const price = objectShapeOf(classPlan(PriceDto));
  const delivery = objectShapeOf(classPlan(ScheduledDeliveryDto));
  TRADECLOUD_UNVALIDATED_FIELDS = {
    indicators: object({}, BOOLEAN),
    itemDetails: object({ netWeight: NUMBER }),
    mergedItemDetails: object({ netWeight: NUMBER }),
    prices,
    pricesIncludingRequests: prices,
    pricesInclRequests: prices,
    scheduledDelivery: delivery,
    scheduledDeliveryInclRequests: delivery,
    actualDelivery: delivery,
    deliverySchedule: list(objectShapeOf(classPlan(DeliveryLineDto))),
    deliveryHistory: list(object({ quantity: NUMBER })),
    chargeLines: list(object({ quantity: NUMBER, price })),
    dimensions: list(object({ measure: NUMBER })),
    documents: list(objectShapeOf(classPlan(DocumentReferenceDto))),
    lines: list(GENERIC_OBJECT),
    notes: list(TEXT),
    labels: list(TEXT),
    names: list(TEXT),
    addressLines: list(TEXT),
    properties: list(GENERIC_OBJECT),
  };
  for (const [name, value] of Object.entries(TRADECLOUD_UNVALIDATED_FIELDS)) {
    if (value.kind === 'array') addList(GENERIC_OBJECT, name, value.item);
    else GENERIC_OBJECT.fields.set(name, value);
  }
}

/** How a child element of an object is read: as a field, as the plural wrapper of a list, or as one item of a list. */
export type ChildRole = ({ role: 'field'; shape: Shape } | { role: 'wrapper'; shape: ArrayShape } | { role: 'item'; shape: Shape }) & { key: string };

/** Resolves a child element name in an object's schema: its own fields and lists first, then the generic tables. */
export function childOf(parent: ObjectShape, name: string): ChildRole {
  let known = parent.resolved?.get(name);
  if (!known) {
    known = resolve(parent, name);
    // Bounded: a body could use millions of distinct unknown names.
    if ((parent.resolved ??= new Map()).size < 1000) parent.resolved.set(name, known);
  }
  return known;
}

type Resolved = { role: 'field'; key: string; shape: Shape } | { role: 'wrapper'; key: string; shape: ArrayShape } | { role: 'item'; key: string; shape: Shape };

function resolve(parent: ObjectShape, name: string): Resolved {
  for (let shape: ObjectShape | undefined = parent; shape; shape = shape.anyChild ? undefined : shape.fallback) {
    const field = shape.fields.get(name);
    if (field) return field.kind === 'array' ? { role: 'wrapper', key: name, shape: field } : { role: 'field', key: name, shape: field };
    const listName = shape.items.get(name);
    if (listName) return { role: 'item', key: listName, shape: (shape.fields.get(listName) as ArrayShape).item };
    if (shape.anyChild) return { role: 'field', key: name, shape: shape.anyChild };
  }
  return { role: 'field', key: name, shape: GENERIC_OBJECT };
}
