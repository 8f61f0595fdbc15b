import { SaxesParser, SaxesTagPlain } from 'saxes';
import { MAX_JSON_DEPTH } from '../request-body';
import { ArrayShape, childOf, GENERIC_OBJECT, ObjectShape, Shape } from './txml-schema';

/** A tXML body that cannot be converted; `message` names the problem (answered 400). */
export class TxmlError extends Error {}

/** A JSON number token: what a numeric element's text must be to stay a number, digit for digit. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const WHITESPACE = /^[ \t\r\n]*$/;
/** Declarations that could define entities: refused before any parsing (no XXE, no entity expansion). */
const DECLARATIONS = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;

type Entry = { kind: 'value'; json: string } | { kind: 'items'; items: string[] };

interface Frame {
  name: string;
  /** Where the element goes in its parent: a field, one item of a list, the list itself (plural wrapper), a wrapper's item. */
  role: 'root' | 'field' | 'item' | 'wrapper' | 'wrapper-item';
  key: string;
  shape: Shape;
  path: string;
  text: string;
  nil: boolean;
  /** Object members, in the order they first appeared. */
  entries?: Map<string, Entry>;
  /** A plural wrapper's items and the one element name they use. */
  items?: string[];
  itemName?: string;
}

/**
 * Converts a tXML body to the JSON text Tradecloud's JSON webhook would have carried, driven by
 * the schema of the route's DTO (`txml-schema.ts`). Streaming: saxes reports elements in order
 * and each finished element becomes a JSON fragment in its parent, so memory is about the size
 * of the output. Numbers are written as the element's text (a JSON number token, so
 * `12345678901234.56789` and `92.0` keep every digit); text is written as a JSON string, so
 * `0010` stays `"0010"`. Validation then runs on this JSON exactly as on a JSON request.
 *
 * The root element may have any name; its children are the body's fields. Attributes are
 * ignored except `xsi:nil="true"` (JSON null); namespace prefixes are dropped.
 */
export function txmlToJson(xml: string, bodyShape: ObjectShape): string {
  const declaration = DECLARATIONS.exec(xml);
  if (declaration) throw new TxmlError(`The XML contains a <!${declaration[1].toUpperCase()} declaration; DTDs and entity declarations are not accepted`);
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: Frame[] = [];
  let result: string | undefined;

  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) throw new TxmlError(`The XML declares the encoding "${decl.encoding}"; only UTF-8 is accepted`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    const nil = isNil(tag.attributes);
    const parent = stack[stack.length - 1];
    if (!parent) {
      if (result !== undefined) throw new TxmlError('The XML has more than one root element');
      stack.push({ name, role: 'root', key: '', shape: bodyShape, path: '', text: '', nil });
      return;
    }
    if (stack.length > MAX_JSON_DEPTH) throw new TxmlError(`${parent.path} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    stack.push(openChild(parent, name, nil));
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const json = render(frame);
    const parent = stack[stack.length - 1];
    if (parent) commit(parent, frame, json);
    else {
      if (!frame.entries) throw new TxmlError(`The root element <${frame.name}> has no child elements; eventName and an event element are expected`);
      result = json;
    }
  });
  parser.on('error', (error) => {
    throw error instanceof TxmlError ? error : new TxmlError(`The body is not well-formed XML: ${error.message}`);
  });
  parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  if (result === undefined) throw new TxmlError('The XML has no root element');
  return result;
}

function openChild(parent: Frame, name: string, nil: boolean): Frame {
  const frame: Frame = { name, role: 'field', key: name, shape: GENERIC_OBJECT, path: '', text: '', nil };
  if (parent.role === 'wrapper') {
    const list = parent.shape as ArrayShape;
    if (parent.itemName !== undefined && parent.itemName !== name) {
      throw new TxmlError(`unknown array shape: ${parent.path} holds both <${parent.itemName}> and <${name}> elements; a list holds one kind of element`);
    }
    parent.itemName = name;
    parent.items ??= [];
    frame.role = 'wrapper-item';
    frame.shape = list.item;
    frame.path = `${parent.path}[${parent.items.length}]`;
    return frame;
  }
  const child = childOf(objectShape(parent.shape), name);
  frame.role = child.role;
  frame.key = child.key;
  frame.shape = child.shape;
  const entry = parent.entries?.get(child.key);
  const base = parent.path ? `${parent.path}.${child.key}` : child.key;
  if (child.role === 'item') {
    if (entry && entry.kind !== 'items') throw new TxmlError(`unknown array shape: ${base} is given both as <${child.key}> and as <${name}> elements`);
    frame.path = `${base}[${entry ? entry.items.length : 0}]`;
  } else {
    if (entry) {
      throw new TxmlError(
        entry.kind === 'items'
          ? `unknown array shape: ${base} is given both as <${name}> and as its items`
          : `unknown array shape: <${name}> appears more than once in ${parent.path || `<${parent.name}>`}, and ${base} is not a list`,
      );
    }
    frame.path = base;
  }
  return frame;
}

/** The object schema children of this element are read with (an element the schema calls text or a number but that has children is read as an unknown object: validation then names it). */
function objectShape(shape: Shape): ObjectShape {
  return shape.kind === 'object' ? shape : GENERIC_OBJECT;
}

function commit(parent: Frame, frame: Frame, json: string): void {
  if (parent.role === 'wrapper') {
    parent.items!.push(json);
    return;
  }
  parent.entries ??= new Map();
  if (frame.role === 'item') {
    const entry = parent.entries.get(frame.key);
    if (entry) (entry as { items: string[] }).items.push(json);
    else parent.entries.set(frame.key, { kind: 'items', items: [json] });
  } else {
    parent.entries.set(frame.key, { kind: 'value', json });
  }
}

function render(frame: Frame): string {
  if (frame.nil) return 'null';
  const hasText = !WHITESPACE.test(frame.text);
  if (frame.role === 'wrapper') {
    if (hasText) throw new TxmlError(`unknown array shape: ${frame.path} is a list, but <${frame.name}> holds text`);
    return `[${(frame.items ?? []).join(',')}]`;
  }
  const required = frame.shape.kind === 'object' ? frame.shape.requiredLists : undefined;
  if (required && (frame.entries || !hasText)) {
    for (const list of required) if (!frame.entries?.has(list)) (frame.entries ??= new Map()).set(list, { kind: 'items', items: [] });
  }
  if (frame.entries) {
    if (hasText) throw new TxmlError(`${frame.path || `<${frame.name}>`} mixes text with child elements`);
    let json = '{';
    let first = true;
    for (const [key, entry] of frame.entries) {
      json += `${first ? '' : ','}${JSON.stringify(key)}:${entry.kind === 'value' ? entry.json : `[${entry.items.join(',')}]`}`;
      first = false;
    }
    return `${json}}`;
  }
  const { shape, text } = frame;
  if (shape.kind === 'number') {
    const trimmed = text.trim();
    // Not a number: kept as text, and validation says "must be a number" with the path.
    return JSON_NUMBER.test(trimmed) ? trimmed : JSON.stringify(text);
  }
  if (shape.kind === 'boolean') {
    const trimmed = text.trim();
    return trimmed === 'true' || trimmed === 'false' ? trimmed : JSON.stringify(text);
  }
  // An empty element of a known object (`<supplierOrder/>`) is an empty object; an unknown one is empty text.
  if (shape.kind === 'object' && shape !== GENERIC_OBJECT && !hasText) return '{}';
  if (shape.kind === 'array') return hasText ? JSON.stringify(text) : '[]';
  return JSON.stringify(text);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function isNil(attributes: Record<string, string>): boolean {
  for (const [name, value] of Object.entries(attributes)) if (localName(name) === 'nil' && value.trim() === 'true') return true;
  return false;
}
