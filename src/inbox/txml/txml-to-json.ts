import { SaxesParser, SaxesTagPlain } from 'saxes';
import { LosslessNumber } from 'lossless-json';
import { printsAs, setOwn, stringifyExact } from '../../changes/lossless-json';
import { MAX_JSON_DEPTH } from '../request-body';
import { ArrayShape, childOf, GENERIC_OBJECT, ObjectShape, Shape } from './txml-schema';

/** A tXML body that cannot be converted; `message` names the problem (answered 400). */
export class TxmlError extends Error {}

/** A JSON number token: what a numeric element's text must be to stay a number, digit for digit. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const WHITESPACE = /^[ \t\r\n]*$/;
/** Declarations that could define entities: refused before any parsing (no XXE, no entity expansion). */
const DECLARATIONS = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;
/** What the start of a declaration looks like before its keyword is complete (whitespace runs as one space). */
const DECLARATION_PREFIX = /^<(?:! ?[a-z]{0,6})?$/i;

interface Frame {
  parent: Frame | undefined;
  name: string;
  /** Where the element goes in its parent: a field, one item of a list, the list itself (plural wrapper), a wrapper's item. */
  role: 'root' | 'field' | 'item' | 'wrapper' | 'wrapper-item';
  key: string;
  /** Position in its list (items). */
  index: number;
  shape: Shape;
  text: string;
  nil: boolean;
  /** The object its child elements made, members in the order they first appeared. */
  members: Record<string, unknown> | undefined;
  /** The members of `members` that are lists made of repeated item elements (the others are fields). */
  lists: Set<string> | undefined;
  /** A plural wrapper's items and the one element name they use. */
  items: unknown[] | undefined;
  itemName: string | undefined;
}

/** A converted body: its JSON text, and that text parsed (plain numbers, as `JSON.parse` gives). */
export interface ConvertedTxml {
  text: string;
  json: Record<string, unknown>;
}

/** A number element whose text is not what its double prints (`92.0`, `1.10`, 20 digits): written from its text. */
interface ExactNumber {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  token: string;
}

/**
 * Converts a tXML body to the JSON text Tradecloud's JSON webhook would have carried, driven by
 * the schema of the route's DTO (`txml-schema.ts`): {@link TxmlConverter} over the whole text.
 */
export function txmlToJson(xml: string, bodyShape: ObjectShape): string {
  return convertWhole(xml, bodyShape).text;
}

/** {@link txmlToJson}, with the parsed JSON too. */
export function convertWhole(xml: string, bodyShape: ObjectShape): ConvertedTxml {
  const converter = new TxmlConverter(bodyShape);
  converter.write(xml);
  return converter.end();
}

/**
 * A streaming tXML → JSON conversion: the text is written in pieces as it arrives (any split,
 * even inside a tag or a multi-byte character's UTF-16 pair) and {@link end} gives the JSON. saxes
 * reports elements in order; each element becomes a value in its parent as it opens (an object,
 * a list) or closes (text, a number), so the conversion builds the very tree `JSON.parse` would
 * make of its text, and the text is written from the tree once at the end by `JSON.stringify`:
 * validation gets the tree without parsing 12 MB again, and no fragment of text is built per
 * element. Numbers keep their digits: a number element whose text is what its double prints
 * (`24`, `1111.11`) is that number; the others (`92.0`, `12345678901234.56789`) are the double
 * in the tree and their own text in the JSON. Text stays text, so `0010` stays `"0010"`.
 * Validation then runs on this JSON exactly as on a JSON request.
 *
 * The root element may have any name; its children are the body's fields. Attributes are
 * ignored except `xsi:nil="true"` (JSON null); namespace prefixes are dropped. A document type or
 * entity declaration is refused before saxes sees the piece holding it (no XXE, no expansion).
 * Every problem is a {@link TxmlError}; after one, the converter takes nothing more.
 */
export class TxmlConverter {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private top: Frame | undefined;
  private depth = 0;
  private result: Record<string, unknown> | undefined;
  private readonly exactNumbers: ExactNumber[] = [];
  /** The end of the text written so far from its last `<`, whitespace runs as one space: where a declaration split between pieces begins. */
  private tail = '';
  private started = false;
  private failed = false;

  constructor(private readonly bodyShape: ObjectShape) {
    const parser = this.parser;
    parser.on('xmldecl', (decl) => {
      if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) throw new TxmlError(`The XML declares the encoding "${decl.encoding}"; only UTF-8 is accepted`);
    });
    parser.on('opentag', (tag: SaxesTagPlain) => this.open(tag));
    const onText = (text: string) => {
      if (this.top) this.top.text += text;
    };
    parser.on('text', onText);
    parser.on('cdata', onText);
    parser.on('closetag', () => this.close());
    parser.on('error', (error) => {
      throw error instanceof TxmlError ? error : new TxmlError(`The body is not well-formed XML: ${error.message}`);
    });
  }

  /** Converts the next piece of the document. */
  write(text: string): void {
    if (this.failed) throw new TxmlError('The conversion has already failed');
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.guarded(() => {
      this.refuseDeclarations(text);
      this.parser.write(text);
    });
  }

  /** Ends the document and gives its JSON, as text and parsed. */
  end(): ConvertedTxml {
    if (this.failed) throw new TxmlError('The conversion has already failed');
    this.guarded(() => this.parser.close());
    const json = this.result;
    if (json === undefined) throw new TxmlError('The XML has no root element');
    return { text: this.textOf(json), json };
  }

  private textOf(json: Record<string, unknown>): string {
    const exact = this.exactNumbers;
    if (!exact.length) return JSON.stringify(json);
    // The numbers a double would misprint are their tokens while the text is written, then the
    // doubles again: the tree stays what JSON.parse makes of the text.
    for (const number of exact) (number.holder as Record<string | number, unknown>)[number.key] = new LosslessNumber(number.token);
    try {
      return stringifyExact(json);
    } finally {
      for (const number of exact) (number.holder as Record<string | number, unknown>)[number.key] = Number(number.token);
    }
  }

  private guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  private refuseDeclarations(text: string): void {
    const scanned = this.tail + text;
    const declaration = DECLARATIONS.exec(scanned);
    if (declaration) throw new TxmlError(`The XML contains a <!${declaration[1].toUpperCase()} declaration; DTDs and entity declarations are not accepted`);
    // A declaration begins at a `<` and holds no other one: only the text after the last `<` can
    // be the start of one that the next piece completes. \s* matches a run of any length, so one
    // space stands for it (the tail stays a few characters long whatever the input).
    const last = scanned.lastIndexOf('<');
    const tail = last < 0 ? '' : scanned.slice(last).replace(/\s+/g, ' ');
    this.tail = DECLARATION_PREFIX.test(tail) ? tail : '';
  }

  private open(tag: SaxesTagPlain): void {
    const name = localName(tag.name);
    const nil = isNil(tag.attributes);
    if (!this.top) {
      if (this.result !== undefined) throw new TxmlError('The XML has more than one root element');
      this.top = { parent: undefined, name, role: 'root', key: '', index: 0, shape: this.bodyShape, text: '', nil, members: undefined, lists: undefined, items: undefined, itemName: undefined };
      this.depth = 1;
      return;
    }
    if (this.depth > MAX_JSON_DEPTH) throw new TxmlError(`${pathOf(this.top)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.top = openChild(this.top, name, nil);
    this.depth++;
  }

  private close(): void {
    const frame = this.top!;
    const value = valueOf(frame);
    this.top = frame.parent;
    this.depth--;
    if (this.top) this.place(this.top, frame, value);
    else {
      if (!frame.members) throw new TxmlError(`The root element <${frame.name}> has no child elements; eventName and an event element are expected`);
      this.result = value as Record<string, unknown>;
    }
  }

  /** Puts a finished element's value in its parent (where {@link openChild} checked it may go). */
  private place(parent: Frame, frame: Frame, value: unknown): void {
    let holder: Record<string, unknown> | unknown[];
    let key: string | number;
    if (parent.role === 'wrapper') {
      holder = parent.items!;
      key = holder.length;
      holder.push(value);
    } else {
      const members = (parent.members ??= {});
      key = frame.key;
      if (frame.role === 'item') {
        const list = members[key] as unknown[] | undefined;
        if (list) {
          holder = list;
          key = list.length;
          list.push(value);
        } else {
          (parent.lists ??= new Set()).add(key);
          holder = [value];
          setOwn(members, key, holder);
          key = 0;
        }
      } else {
        holder = members;
        setOwn(members, key, value);
      }
    }
    if (value === EXACT) {
      const token = frame.text.trim();
      (holder as Record<string | number, unknown>)[key] = Number(token);
      this.exactNumbers.push({ holder, key, token });
    }
  }
}

/** Stands for a number element whose double would misprint it, until {@link TxmlConverter.place} records where it went. */
const EXACT = Symbol('exact number');

function hasMember(frame: Frame, key: string): boolean {
  return frame.members !== undefined && Object.prototype.hasOwnProperty.call(frame.members, key);
}

function openChild(parent: Frame, name: string, nil: boolean): Frame {
  const frame: Frame = {
    parent, name, role: 'field', key: name, index: 0, shape: GENERIC_OBJECT, text: '', nil, members: undefined, lists: undefined, items: undefined, itemName: undefined,
  };
  if (parent.role === 'wrapper') {
    if (parent.itemName !== undefined && parent.itemName !== name) {
      throw new TxmlError(`unknown array shape: ${pathOf(parent)} holds both <${parent.itemName}> and <${name}> elements; a list holds one kind of element`);
    }
    parent.itemName = name;
    parent.items ??= [];
    frame.role = 'wrapper-item';
    frame.shape = (parent.shape as ArrayShape).item;
    frame.index = parent.items.length;
    return frame;
  }
  const child = childOf(parent.shape.kind === 'object' ? parent.shape : GENERIC_OBJECT, name);
  frame.role = child.role;
  frame.key = child.key;
  frame.shape = child.shape;
  const present = hasMember(parent, child.key);
  const isList = present && parent.lists !== undefined && parent.lists.has(child.key);
  if (child.role === 'item') {
    if (present && !isList) {
      const listPath = pathOf(parent) ? `${pathOf(parent)}.${child.key}` : child.key;
      throw new TxmlError(`unknown array shape: ${listPath} is given both as <${child.key}> and as <${name}> elements`);
    }
    frame.index = isList ? (parent.members![child.key] as unknown[]).length : 0;
  } else if (present) {
    throw new TxmlError(
      isList
        ? `unknown array shape: ${pathOf(frame)} is given both as <${name}> and as its items`
        : `unknown array shape: <${name}> appears more than once in ${pathOf(parent) || `<${parent.name}>`}, and ${pathOf(frame)} is not a list`,
    );
  }
  return frame;
}

/** The JSON path of an element (`orderEvent.lines[2].buyerLine`), built only for a message. */
function pathOf(frame: Frame): string {
  if (!frame.parent) return '';
  const parent = pathOf(frame.parent);
  if (frame.role === 'wrapper-item') return `${parent}[${frame.index}]`;
  const base = parent ? `${parent}.${frame.key}` : frame.key;
  return frame.role === 'item' ? `${base}[${frame.index}]` : base;
}

/** The JSON value of a finished element ({@link EXACT} for a number its double would misprint). */
function valueOf(frame: Frame): unknown {
  if (frame.nil) return null;
  const { shape, text } = frame;
  const hasText = text.length > 0 && !WHITESPACE.test(text);
  if (frame.role === 'wrapper') {
    if (hasText) throw new TxmlError(`unknown array shape: ${pathOf(frame)} is a list, but <${frame.name}> holds text`);
    return frame.items ?? [];
  }
  const required = shape.kind === 'object' ? shape.requiredLists : undefined;
  if (required && (frame.members || !hasText)) {
    for (const list of required) if (!hasMember(frame, list)) setOwn((frame.members ??= {}), list, []);
  }
  if (frame.members) {
    if (hasText) throw new TxmlError(`${pathOf(frame) || `<${frame.name}>`} mixes text with child elements`);
    return frame.members;
  }
  if (shape.kind === 'number') {
    const trimmed = text.trim();
    // Not a number: kept as text, and validation says "must be a number" with the path.
    if (!JSON_NUMBER.test(trimmed)) return ownText(text);
    const number = Number(trimmed);
    return printsAs(number, trimmed) ? number : EXACT;
  }
  if (shape.kind === 'boolean') {
    const trimmed = text.trim();
    return trimmed === 'true' ? true : trimmed === 'false' ? false : ownText(text);
  }
  // An empty element of a known object (`<supplierOrder/>`) is an empty object; an unknown one is empty text.
  if (shape.kind === 'object' && shape !== GENERIC_OBJECT && !hasText) return {};
  if (shape.kind === 'array') return hasText ? ownText(text) : [];
  return ownText(text);
}

/**
 * The text as a string of its own. saxes hands over text as slices of the piece it was read from
 * (V8 keeps a substring of 13 characters or more as a view of its parent), so a tree that kept
 * them would keep every 64 KB piece of the XML alive as long as the tree lives: 17 MB more for a
 * 5,000-line order, through its processing. Concatenation and a slice make a copy.
 */
function ownText(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function isNil(attributes: Record<string, string>): boolean {
  for (const name in attributes) if (localName(name) === 'nil' && attributes[name].trim() === 'true') return true;
  return false;
}
