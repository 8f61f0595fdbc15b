import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON with exact numbers. Tradecloud sends quantities and prices as JSON numbers with any
 * number of digits; `JSON.parse` would round them to doubles. Here every number keeps the text
 * it was sent as, so `numeric` columns and the stored jsonb keep every decimal: a number whose
 * double prints back as its token (`24`, `561.573`) is that plain number, any other (`92.0`,
 * `1e5`, `12345678901234.56789`) the `LosslessNumber` of its token. Readers take either
 * (`decimalText`, `isNumberLike`), and `stringifyExact` writes both as their tokens.
 *
 * lossless-json's parser is written in JavaScript and takes about twice as long as `JSON.parse`.
 * So one pass first collects the text of every number token, in document order; then
 * `JSON.parse` builds the tree and each number in it is compared with its token (a depth-first
 * walk meets the numbers in document order). The token text is used rather than
 * `String(number)` because Tradecloud writes prices as `92.0`, which no double prints back.
 * Where the walk's order could differ from the text's (an object key that may be an array
 * index, which JavaScript puts first) or `JSON.parse` is more lenient (a repeated key), and for
 * invalid JSON, lossless-json does the parse. Both paths give the same values, key order and
 * errors (`lossless-json.spec.ts` checks that).
 */
export function parseExact(text: string): unknown {
  const scan = scanTokens(text);
  if (!scan) return parseExactLossless(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Invalid JSON: let lossless-json throw, so that the error message does not depend on the path.
    return parseExactLossless(text);
  }
  return exactTree(text, scan, value);
}

/**
 * {@link parseExact} of `text`, made from `parsed`, what `JSON.parse(text)` returned (validation
 * parsed it already): its numbers are replaced in place by their exact tokens, so a large body is
 * not parsed a second time (a 5,000-line order: a tree of tens of megabytes and about 0.1 s).
 * `parsed` must not be used afterwards. Gives what `parseExact(text)` gives, falling back to it
 * wherever that would (`lossless-json.spec.ts`).
 */
export function parseExactFrom(text: string, parsed: unknown): unknown {
  const scan = scanTokens(text);
  return scan ? exactTree(text, scan, parsed) : parseExactLossless(text);
}

/** `JSON.parse`'s tree of `text` with its numbers made exact in place, or lossless-json's parse where the two could differ. */
function exactTree(text: string, scan: { numbers: string[]; keys: number }, parsed: unknown): unknown {
  const walk: Walk = { numbers: scan.numbers, next: 0, keys: 0, aligned: true };
  const exact = toLossless(parsed, walk);
  // `JSON.parse` keeps the last of repeated keys silently; lossless-json keeps an equal repeat
  // and rejects a different one. Fewer keys than the text has means a repeat: lossless-json decides.
  return walk.aligned && walk.keys === scan.keys && walk.next === scan.numbers.length ? exact : parseExactLossless(text);
}

/**
 * The lossless-json path: its parse, with each number whose token a double prints back (`24`,
 * `561.573`) made that plain number, as the fast path makes it (see {@link parseExact}).
 */
export function parseExactLossless(text: string): unknown {
  return plainWherePrinted(parse(text));
}

/** lossless-json's parse as it is (every number a `LosslessNumber`): the reference the tests hold both paths to. */
export function parseLosslessReference(text: string): unknown {
  return parse(text);
}

/**
 * Whether a number token is what JavaScript prints for its double (`24`, `561.573`; not `92.0`,
 * `1e5`, `-0` or more digits than a double holds): such a number is kept as a plain number, and
 * `JSON.stringify` writes it back as the same token.
 */
export function printsAs(number: number, token: string): boolean {
  return String(number) === token;
}

/**
 * Sets `key` as an own data property, as `JSON.parse` makes it: for `__proto__` an assignment
 * would set the object's prototype instead, so that key is defined.
 */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** Replaces, in place, each `LosslessNumber` whose token is what its double prints by that number. */
function plainWherePrinted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isLosslessNumber(value)) {
    const token = (value as LosslessNumber).value;
    const number = Number(token);
    return printsAs(number, token) ? number : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainWherePrinted(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (item === null || typeof item !== 'object') continue;
    const plain = plainWherePrinted(item);
    if (plain !== item) setOwn(object, key, plain);
  }
  return object;
}

/**
 * The number tokens of `text` in order and its count of object keys; null when a key starts
 * with a digit or an escape (it may be an array index such as `"1"` or `"\u0031"`, which
 * objects list before their other keys, so the tree's order would not be the text's). For
 * invalid JSON the result is meaningless, but `JSON.parse` then throws anyway.
 *
 * One pass over the character codes: a string is skipped to its closing quote (`indexOf`, then
 * the backslashes before it are counted), and only number tokens are sliced. A regular
 * expression that matched each string and number token (as this once was) allocated a match for
 * every token: three to four times slower on a 5,000-line order, twice on a 22 KB event.
 */
function scanTokens(text: string): { numbers: string[]; keys: number } | null {
  const numbers: string[] = [];
  let keys = 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end >= 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) break; // an unterminated string: invalid JSON
      let next = end + 1;
      let after = text.charCodeAt(next);
      while (after === 0x20 || after === 0x0a || after === 0x0d || after === 0x09) after = text.charCodeAt(++next);
      if (after === 0x3a /* : */) {
        keys++;
        const first = text.charCodeAt(i + 1);
        if (isDigit(first) || first === BACKSLASH) return null;
      }
      i = end + 1;
    } else if (isDigit(code) || (code === 0x2d /* - */ && isDigit(text.charCodeAt(i + 1)))) {
      const start = i;
      i = skipDigits(text, i + 1);
      if (text.charCodeAt(i) === 0x2e /* . */ && isDigit(text.charCodeAt(i + 1))) i = skipDigits(text, i + 2);
      const exponent = text.charCodeAt(i);
      if (exponent === 0x65 /* e */ || exponent === 0x45 /* E */) {
        let digits = i + 1;
        const sign = text.charCodeAt(digits);
        if (sign === 0x2b /* + */ || sign === 0x2d /* - */) digits++;
        if (isDigit(text.charCodeAt(digits))) i = skipDigits(text, digits + 1);
      }
      numbers.push(text.slice(start, i));
    } else {
      i++;
    }
  }
  return { numbers, keys };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function skipDigits(text: string, from: number): number {
  let i = from;
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** Whether the quote at `at` is escaped: an odd number of backslashes before it. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let k = at - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
  return (backslashes & 1) === 1;
}

interface Walk {
  numbers: string[];
  next: number;
  keys: number;
  /** False once a number of the tree is not the value of the token it is paired with (a safeguard). */
  aligned: boolean;
}

/**
 * Replaces, in place, each number that `JSON.parse` produced and its double does not print back
 * as its token (`92.0`, `1e5`, more digits than a double holds) by the `LosslessNumber` of that
 * token, and counts the object keys. The other numbers (`24`, `561.573`: nearly all of them) stay
 * plain numbers: the same value and the same text wherever it is written, without an object
 * each to allocate, to compare and to write back through `toJSON`.
 */
function toLossless(value: unknown, walk: Walk): unknown {
  if (typeof value === 'number') {
    const token = walk.numbers[walk.next++];
    if (token === undefined || Number(token) !== value) {
      walk.aligned = false;
      return value;
    }
    return printsAs(value, token) ? value : new LosslessNumber(token);
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item !== null && (typeof item === 'number' || typeof item === 'object')) value[i] = toLossless(item, walk);
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  walk.keys += keys.length;
  for (const key of keys) {
    const item = object[key];
    if (item === null || (typeof item !== 'number' && typeof item !== 'object')) continue;
    setOwn(object, key, toLossless(item, walk));
  }
  return object;
}

/**
 * JSON text with every `LosslessNumber` written as its exact token. Native `JSON.stringify`
 * (several times faster than lossless-json's `stringify`) writes each exact number as a marked
 * string, and one pass replaces the marked strings by their tokens. The marker starts with
 * U+0000, which `JSON.stringify` escapes as `\u0000`, followed by a random nonce of this process:
 * a string of the value itself can only produce the same text if it contains U+0000 and the nonce.
 *
 * The marked string comes from a `toJSON` that exists on `LosslessNumber.prototype` only for the
 * duration of the (synchronous) call, so no other code ever sees it. A replacer function would do
 * the same, but `JSON.stringify` calls a replacer for every key and value, which made it twice as
 * slow; `toJSON` is called for the numbers alone. A `BigInt`, or a `LosslessNumber` of another copy
 * of lossless-json (recognised by its marker symbol, not by this class), takes the replacer path.
 */
export function stringifyExact(value: unknown): string {
  let text: string | undefined;
  const prototype = LosslessNumber.prototype as { toJSON?: () => string | number };
  prototype.toJSON = markedToken;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    text = undefined; // a BigInt (or a cycle, which the replacer path throws for again)
  } finally {
    delete prototype.toJSON;
  }
  if (text === undefined || text.includes(FOREIGN_LOSSLESS_NUMBER)) text = JSON.stringify(value, exactNumbers);
  if (text === undefined) return 'null';
  return text.includes(MARKER_TEXT) ? text.replace(MARKED_NUMBER, '$1') : text;
}

const NONCE = Math.random().toString(36).slice(2, 12);
const MARKER = `\u0000${NONCE}:`;
/** How the marker looks in `JSON.stringify`'s output. */
const MARKER_TEXT = `\\u0000${NONCE}:`;
const MARKED_NUMBER = new RegExp(`"\\\\u0000${NONCE}:(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)"`, 'g');
/** How a `LosslessNumber` without our `toJSON` (another copy of the library) comes out of `JSON.stringify`. */
const FOREIGN_LOSSLESS_NUMBER = '"isLosslessNumber":true';

/**
 * A number whose token is what JavaScript prints for its double (`24`, `561.573`) is given to
 * `JSON.stringify` as that number, which writes the same token: no marker to replace afterwards.
 * Only the others (`92.0`, `1.10`, `1e5`, more digits than a double holds) are marked.
 */
function markedToken(this: LosslessNumber): string | number {
  const token = this.value;
  const number = Number(token);
  return printsAs(number, token) ? number : MARKER + token;
}

function exactNumbers(this: unknown, _key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && isLosslessNumber(value)) return MARKER + (value as LosslessNumber).value;
  if (typeof value === 'bigint') return MARKER + value.toString();
  return value;
}

/**
 * A copy of an exact tree with plain JSON numbers, as `JSON.parse(stringifyExact(value))` gives
 * (validation works on plain numbers), without writing and parsing the text. Properties whose
 * value is undefined are left out, as in JSON.
 */
export function plainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  if (isLosslessNumber(value)) return Number((value as LosslessNumber).value);
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : plainJson(item)));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function') continue;
    setOwn(copy, key, plainJson(item));
  }
  return copy;
}

/**
 * The source text of each element of the array that is the value of `key` in the object `text`
 * holds (`{"data":[{…},{…}],"total":2}` → the two objects' texts, exactly as sent), or null when
 * the text does not have that shape plainly: no such key, the key twice or escaped, an element
 * that is a string. `text` must be valid JSON (parsed before). A caller compares the count with the
 * parsed array's (elements that are numbers, booleans or null are not counted).
 *
 * A poll page holds 100 orders: slicing their texts costs about a third of writing each parsed
 * order again with {@link stringifyExact}, and the text is the very one Tradecloud sent.
 */
export function arrayElementTexts(text: string, key: string): string[] | null {
  const keyToken = JSON.stringify(key);
  const texts: string[] = [];
  let depth = 0;
  let lastKey: string | undefined;
  let found = false;
  let inArray = false;
  let elementStart = -1;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
    const token = match[0];
    const code = token.charCodeAt(0);
    if (code === 0x22 /* " */) {
      if (depth === 1 && match[1] !== undefined) lastKey = token.slice(0, token.lastIndexOf('"') + 1);
      else if (inArray && depth === 2) return null;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (depth === 1 && code === 0x5b && lastKey === keyToken) {
        if (found) return null;
        found = inArray = true;
      } else if (inArray && depth === 2) {
        if (code !== 0x7b) return null;
        elementStart = match.index;
      }
      depth++;
    } else {
      depth--;
      if (inArray && depth === 2) texts.push(text.slice(elementStart, match.index + 1));
      else if (inArray && depth === 1) inArray = false;
    }
  }
  STRUCTURE.lastIndex = 0;
  return found && depth === 0 ? texts : null;
}

/** Strings (skipped whole; followed by `:` a key) and the brackets that nest, as `scanTokens` reads them. */
const STRUCTURE = /"[^"\\]*(?:\\[^][^"\\]*)*"(\s*:)?|[{}[\]]/g;

/** lossless-json's own `stringify` (the reference {@link stringifyExact} is tested against). */
export function stringifyExactLossless(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** A decimal as text (`"18.45"`), or null when absent or not a number. */
export function decimalText(value: unknown): string | null {
  if (isLosslessNumber(value)) return (value as LosslessNumber).value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function integerValue(value: unknown): number | null {
  const text = decimalText(value);
  return text !== null && /^-?\d+$/.test(text) ? Number(text) : null;
}

export function textValue(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function isNumberLike(value: unknown): boolean {
  return typeof value === 'number' || isLosslessNumber(value);
}
