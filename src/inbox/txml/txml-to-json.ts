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
/** What the start of a declaration looks like before its keyword is complete (whitespace runs as one space). */
const DECLARATION_PREFIX = /^<(?:! ?[a-z]{0,6})?$/i;

type Entry = { list: false; keyJson: string; json: string } | { list: true; keyJson: string; items: string[] };

interface Frame {
  parent: Frame | undefined;
  name: string;
  /** Where the element goes in its parent: a field, one item of a list, the list itself (plural wrapper), a wrapper's item. */
  role: 'root' | 'field' | 'item' | 'wrapper' | 'wrapper-item';
  key: string;
  keyJson: string;
  /** Position in its list (items). */
  index: number;
  shape: Shape;
  text: string;
  nil: boolean;
  /** Object members, in the order they first appeared. */
  entries: Map<string, Entry> | undefined;
  /** A plural wrapper's items and the one element name they use. */
  items: string[] | undefined;
  itemName: string | undefined;
}

/**
 * Converts a tXML body to the JSON text Tradecloud's JSON webhook would have carried, driven by
 * the schema of the route's DTO (`txml-schema.ts`): {@link TxmlConverter} over the whole text.
 */
export function txmlToJson(xml: string, bodyShape: ObjectShape): string {
  const converter = new TxmlConverter(bodyShape);
  converter.write(xml);
  return converter.end();
}

/**
 * A streaming tXML → JSON conversion: the text is written in pieces as it arrives (any split,
 * even inside a tag or a multi-byte character's UTF-16 pair) and {@link end} gives the JSON. saxes
 * reports elements in order and each finished element becomes a JSON fragment in its parent, so
 * memory is about the size of the output, and the whole XML text never has to exist at once.
 * Numbers are written as the element's text (a JSON number token, so `12345678901234.56789` and
 * `92.0` keep every digit); text is written as a JSON string, so `0010` stays `"0010"`. Validation
 * then runs on this JSON exactly as on a JSON request.
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
  private result: string | undefined;
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

  /** Ends the document and gives its JSON text. */
  end(): string {
    if (this.failed) throw new TxmlError('The conversion has already failed');
    this.guarded(() => this.parser.close());
    if (this.result === undefined) throw new TxmlError('The XML has no root element');
    return this.result;
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
      this.top = { parent: undefined, name, role: 'root', key: '', keyJson: '', index: 0, shape: this.bodyShape, text: '', nil, entries: undefined, items: undefined, itemName: undefined };
      this.depth = 1;
      return;
    }
    if (this.depth > MAX_JSON_DEPTH) throw new TxmlError(`${pathOf(this.top)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.top = openChild(this.top, name, nil);
    this.depth++;
  }

  private close(): void {
    const frame = this.top!;
    const json = render(frame);
    this.top = frame.parent;
    this.depth--;
    if (this.top) commit(this.top, frame, json);
    else {
      if (!frame.entries) throw new TxmlError(`The root element <${frame.name}> has no child elements; eventName and an event element are expected`);
      this.result = json;
    }
  }
}

function openChild(parent: Frame, name: string, nil: boolean): Frame {
  const frame: Frame = {
    parent, name, role: 'field', key: name, keyJson: '', index: 0, shape: GENERIC_OBJECT, text: '', nil, entries: undefined, items: undefined, itemName: undefined,
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
  frame.keyJson = child.keyJson;
  frame.shape = child.shape;
  const entry = parent.entries?.get(child.key);
  if (child.role === 'item') {
    if (entry && !entry.list) {
      const listPath = pathOf(parent) ? `${pathOf(parent)}.${child.key}` : child.key;
      throw new TxmlError(`unknown array shape: ${listPath} is given both as <${child.key}> and as <${name}> elements`);
    }
    frame.index = entry && entry.list ? entry.items.length : 0;
  } else if (entry) {
    throw new TxmlError(
      entry.list
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

function commit(parent: Frame, frame: Frame, json: string): void {
  if (parent.role === 'wrapper') {
    parent.items!.push(json);
    return;
  }
  const entries = (parent.entries ??= new Map());
  if (frame.role === 'item') {
    const entry = entries.get(frame.key);
    if (entry) (entry as { items: string[] }).items.push(json);
    else entries.set(frame.key, { list: true, keyJson: frame.keyJson, items: [json] });
  } else {
    entries.set(frame.key, { list: false, keyJson: frame.keyJson, json });
  }
}

function render(frame: Frame): string {
  if (frame.nil) return 'null';
  const { shape, text } = frame;
  const hasText = text.length > 0 && !WHITESPACE.test(text);
  if (frame.role === 'wrapper') {
    if (hasText) throw new TxmlError(`unknown array shape: ${pathOf(frame)} is a list, but <${frame.name}> holds text`);
    return frame.items ? `[${frame.items.join(',')}]` : '[]';
  }
  const required = shape.kind === 'object' ? shape.requiredLists : undefined;
  if (required && (frame.entries || !hasText)) {
    for (const list of required) if (!frame.entries?.has(list)) (frame.entries ??= new Map()).set(list, { list: true, keyJson: JSON.stringify(list), items: [] });
  }
  if (frame.entries) {
    if (hasText) throw new TxmlError(`${pathOf(frame) || `<${frame.name}>`} mixes text with child elements`);
    const members: string[] = [];
    for (const entry of frame.entries.values()) members.push(`${entry.keyJson}:${entry.list ? `[${entry.items.join(',')}]` : entry.json}`);
    return `{${members.join(',')}}`;
  }
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
  for (const name in attributes) if (localName(name) === 'nil' && attributes[name].trim() === 'true') return true;
  return false;
}
