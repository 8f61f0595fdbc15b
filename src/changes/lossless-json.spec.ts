import fc from 'fast-check';
import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { arrayElementTexts, parseExact, parseExactFrom, parseExactLossless, parseLosslessReference, plainJson, stringifyExact, stringifyExactLossless } from './lossless-json';

/**
 * What a caller can observe of a parse: values, number texts, key order, own `__proto__` keys
 * and prototypes, or the error. `toEqual` ignores key order and prototypes, so compare this.
 */
function observe(parse: (text: string) => unknown, text: string): unknown {
  try {
    return { value: shape(parse(text)) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function shape(value: unknown): unknown {
  if (isLosslessNumber(value)) {
    const number = value as LosslessNumber;
    return { number: number.value, losslessClass: number instanceof LosslessNumber, own: Object.keys(number) };
  }
  if (typeof value === 'number') return { plainNumber: value };
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return { array: value.map(shape) };
  return {
    plainPrototype: Object.getPrototypeOf(value) === Object.prototype,
    entries: Object.keys(value).map((key) => [key, shape((value as Record<string, unknown>)[key])]),
  };
}

const same = (text: string): void => {
  expect(observe(parseExact, text)).toEqual(observe(parseExactLossless, text));
};

// Number tokens: ones a double prints back identically (fast path) and ones it does not.
const tricky = ['1.10', '1e400', '-1e400', '-0', '0', '-0.0', '0.1', '0.1000', '5e-324', '2e-324', '1e21', '1e+21', '1E5', '1e-7', '100',
  '1234567890123456789012345678901234567890', '9007199254740993', '9007199254740991', '18.45', '18.4500000000000000001', '-5', '1.7976931348623157e308'];
const numberToken = fc.oneof(
  fc.constantFrom(...tricky),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }).map(String),
  fc
    .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,20})$/), fc.option(fc.stringMatching(/^\d{1,20}$/)), fc.option(fc.stringMatching(/^[eE][+-]?\d{1,3}$/)))
    .map(([minus, int, fraction, exponent]) => `${minus ? '-' : ''}${int}${fraction !== null ? `.${fraction}` : ''}${exponent ?? ''}`),
);

// String literals with the characters that could fool a scanner, each written plainly, as a
// JSON.stringify escape or as \uXXXX (either case).
const piece = fc.oneof(
  fc.constantFrom('"', '\\', '/', '0', '1.5', '-2', 'e', ':', ',', '{', '}', '[', ']', '\n', '\t', '\u2028', 'é', '\ud83d\ude00', '\ud800', '\\"', '"1":'),
  fc.string({ maxLength: 4 }),
);
const encoded = fc.tuple(piece, fc.constantFrom('stringify', 'unicode', 'UNICODE', 'solidus')).map(([text, style]) => {
  if (style === 'stringify') return JSON.stringify(text).slice(1, -1);
  if (style === 'solidus') return JSON.stringify(text).slice(1, -1).replaceAll('/', '\\/');
  const hex = [...Array(text.length).keys()].map((i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
  return style === 'UNICODE' ? hex.toUpperCase().replaceAll('\\U', '\\u') : hex;
});
const stringLiteral = fc.array(encoded, { maxLength: 5 }).map((pieces) => `"${pieces.join('')}"`);
// A small pool of keys, so that objects repeat keys now and then (lossless-json's duplicate rule).
const anyKey = fc.oneof(fc.constantFrom('"a"', '"b"', '"__proto__"', '"constructor"', '"1"', '"0"', '"10"', '"\\u0061"', '"prototype"'), stringLiteral);
// Keys the fast path takes: none that starts with a digit or an escape (a possible array index).
const plainKey = fc.oneof(
  fc.constantFrom('"a"', '"b"', '"__proto__"', '"constructor"', '"prototype"', '"a1"', '"-1"'),
  stringLiteral.filter((literal) => !/^"[\d\\]/.test(literal)),
);
const space = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ');

/** JSON texts (with whitespace) whose numbers and keys come from these. */
const jsonText = (numbers: fc.Arbitrary<string>, key: fc.Arbitrary<string>) =>
  fc.letrec<{ json: string }>((tie) => ({
    json: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      numbers,
      stringLiteral,
      fc.constantFrom('true', 'false', 'null'),
      fc.tuple(space, fc.array(tie('json'), { maxLength: 5 })).map(([s, items]) => `[${s}${items.join(`${s},`)}]`),
      fc.tuple(space, fc.array(fc.tuple(key, tie('json')), { maxLength: 6 })).map(([s, entries]) => `{${s}${entries.map(([k, v]) => `${k}${s}:${s}${v}`).join(`,${s}`)}${s}}`),
    ),
  })).json;
const padded = (text: fc.Arbitrary<string>) => fc.tuple(space, text, space).map(([before, value, after]) => `${before}${value}${after}`);

describe('parseExact', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives what lossless-json gives for arbitrary JSON texts: values, number texts, key order, errors', () => {
    fc.assert(fc.property(padded(jsonText(numberToken, anyKey)), same), { numRuns: 4000 });
  });

  it('gives what lossless-json gives for JSON texts without digit or escape-led keys (the fast path)', () => {
    fc.assert(fc.property(padded(jsonText(numberToken, plainKey)), same), { numRuns: 4000 });
  });

  it('gives what lossless-json gives for arbitrary (mostly invalid) texts made of JSON characters', () => {
    const char = fc.constantFrom(...'{}[]":,0123456789.-+eE \\/untrlfa'.split(''), '\\u0022', '\\"', 'true', 'null', '1.10', '\n');
    fc.assert(fc.property(fc.array(char, { maxLength: 30 }).map((chars) => chars.join('')), same), { numRuns: 4000 });
  });

  it('keeps the exact text of every number, fast path or not', () => {
    const parsed = parseExact('{"a": 1.10, "b": [1e5, -0, 0.1000, 12345678901234567890123456789012345678901]}') as Record<string, unknown>;
    expect(String(parsed.a)).toBe('1.10');
    expect((parsed.b as unknown[]).map(String)).toEqual(['1e5', '-0', '0.1000', '12345678901234567890123456789012345678901']);
    const fast = parseExact('{"q": 18.45, "n": [1, -2, 5e-324], "p": 92.0}') as Record<string, unknown>;
    // A token its double prints back is that plain number; any other is kept as its text.
    expect(fast.q).toBe(18.45);
    expect(fast.n).toEqual([1, -2, 5e-324]);
    expect(fast.p).toEqual(new LosslessNumber('92.0'));
    expect(stringifyExact(fast)).toBe('{"q":18.45,"n":[1,-2,5e-324],"p":92.0}');
  });

  it('gives plain numbers exactly where a double prints the token back, on either path, and every token back when written', () => {
    fc.assert(
      fc.property(padded(jsonText(numberToken, anyKey)), (text) => {
        let reference: unknown;
        try {
          reference = parseLosslessReference(text);
        } catch {
          return;
        }
        const numbers = (value: unknown, found: unknown[] = []): unknown[] => {
          if (typeof value === 'number' || isLosslessNumber(value)) found.push(value);
          else if (value && typeof value === 'object') for (const key of Object.keys(value)) numbers((value as Record<string, unknown>)[key], found);
          return found;
        };
        const tokens = numbers(reference).map((number) => (number as LosslessNumber).value);
        const exact = numbers(parseExact(text));
        expect(exact.map((number) => (typeof number === 'number' ? 'plain' : 'token'))).toEqual(tokens.map((token) => (String(Number(token)) === token ? 'plain' : 'token')));
        expect(exact.map(String)).toEqual(tokens);
        expect(stringifyExact(parseExact(text))).toBe(stringifyExactLossless(reference));
      }),
      { numRuns: 3000 },
    );
  });

  it("returns the JSON.parse tree for any numbers, and lossless-json's tree when a key may be an array index", () => {
    const jsonParse = JSON.parse;
    const trees: unknown[] = [];
    vi.spyOn(JSON, 'parse').mockImplementation((text: string) => {
      trees.push(jsonParse(text));
      return trees.at(-1);
    });
    const fast = parseExact('{"s": "1.10 \\" 1e5 \\\\", "q": 92.0, "n": [1.10, 1e5, -0, 0.1000, 12345678901234567890, 1e400]}');
    expect(trees).toHaveLength(1);
    expect(fast).toBe(trees[0]); // the fast path's tree, numbers replaced in place
    expect(((fast as { n: unknown[] }).n).map(String)).toEqual(['1.10', '1e5', '-0', '0.1000', '12345678901234567890', '1e400']);
    for (const slow of ['{"b": 1, "1": 2}', '{"\\u0031": 2}']) expect(trees).not.toContain(parseExact(slow));
    expect(trees).toHaveLength(1); // not even tried
    expect(Object.keys(parseExact('{"b": 1, "1": 2}') as object)).toEqual(['1', 'b']);
    expect(() => parseExact('{"a": 1.10}x')).toThrow("Expected end of input but got 'x' at position 11"); // lossless-json's message
  });

  it('stores __proto__ and constructor as own keys, leaving prototypes alone', () => {
    const parsed = parseExact('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "x": {"__proto__": 3}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor', 'x']);
    expect(String((Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value as Record<string, unknown>).polluted)).toBe('1');
    expect(String(Object.getOwnPropertyDescriptor(parsed.x, '__proto__')?.value)).toBe('3');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a repeated key with a different value like lossless-json, and keeps an equal repeat', () => {
    expect(() => parseExact('{"a": 1, "a": 2}')).toThrow("Duplicate key 'a'");
    expect(Object.keys(parseExact('{"a": 1, "b": 2, "a": 1}') as object)).toEqual(['a', 'b']);
  });
});

describe('parseExactFrom', () => {
  /** What validation hands over: the text's `JSON.parse` tree (texts it refuses never get here). */
  const fromParsed = (text: string) => parseExactFrom(text, JSON.parse(text));
  const valid = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it('gives what lossless-json gives from the JSON.parse tree of arbitrary JSON texts, repeated and digit-led keys included', () => {
    fc.assert(
      fc.property(padded(jsonText(numberToken, anyKey)).filter(valid), (text) => {
        expect(observe(fromParsed, text)).toEqual(observe(parseExactLossless, text));
      }),
      { numRuns: 4000 },
    );
  });

  it('fills the exact numbers into the tree it is given rather than building another', () => {
    const parsed = JSON.parse('{"lines": [{"quantity": 1.10, "price": 92.0}]}') as { lines: Array<Record<string, unknown>> };
    const exact = parseExactFrom('{"lines": [{"quantity": 1.10, "price": 92.0}]}', parsed) as typeof parsed;
    expect(exact).toBe(parsed);
    expect(exact.lines[0].quantity).toEqual(new LosslessNumber('1.10'));
    expect(exact.lines[0].price).toEqual(new LosslessNumber('92.0'));
  });
});

describe('stringifyExact', () => {
  const valid = (text: string) => {
    try {
      return parseExactLossless(text);
    } catch {
      return undefined;
    }
  };

  it("writes what lossless-json's stringify writes, exact numbers included, for arbitrary JSON", () => {
    fc.assert(
      fc.property(padded(jsonText(numberToken, anyKey)), (text) => {
        const value = valid(text);
        if (value === undefined) return;
        expect(stringifyExact(value)).toBe(stringifyExactLossless(value));
      }),
      { numRuns: 4000 },
    );
  });

  it('keeps strings that look like its own markers as strings', () => {
    const value = { a: '\u0000x:1.0', b: new LosslessNumber('92.0'), c: ['\\u0000', new LosslessNumber('-1.5e3')] };
    expect(stringifyExact(value)).toBe(stringifyExactLossless(value));
    expect(stringifyExact(value)).toBe('{"a":"\\u0000x:1.0","b":92.0,"c":["\\\\u0000",-1.5e3]}');
  });
  it('writes BigInts and numbers of another lossless-json copy exactly, and leaves no toJSON behind', () => {
    // Another copy of the library: not this LosslessNumber class, recognised by its marker symbol.
    const foreign = Object.defineProperties({ value: '12345678901234567890.5', isLosslessNumber: true }, { [Symbol.for('lossless-json.LosslessNumber')]: { get: () => true } });
    expect(stringifyExact({ big: 12345678901234567890n, n: new LosslessNumber('1.10') })).toBe('{"big":12345678901234567890,"n":1.10}');
    expect(stringifyExact({ foreign, n: new LosslessNumber('2.0') })).toBe('{"foreign":12345678901234567890.5,"n":2.0}');
    expect('toJSON' in LosslessNumber.prototype).toBe(false);
    expect(JSON.stringify(new LosslessNumber('3.0'))).toBe('{"value":"3.0","isLosslessNumber":true}');
    expect(stringifyExact(undefined)).toBe('null');
  });
});

describe('plainJson', () => {
  it('gives what JSON.parse(stringifyExact(value)) gives, for arbitrary JSON', () => {
    fc.assert(
      fc.property(padded(jsonText(numberToken, anyKey)), (text) => {
        let value: unknown;
        try {
          value = parseExactLossless(text);
        } catch {
          return;
        }
        expect(shape(plainJson(value))).toEqual(shape(JSON.parse(stringifyExact(value))));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves out undefined properties, keeps an own __proto__ key and copies rather than shares', () => {
    const source = parseExact('{"__proto__":{"a":1.50},"b":[1,{"c":2e3}]}') as Record<string, unknown>;
    const copy = plainJson({ ...source, gone: undefined }) as Record<string, unknown>;
    expect(shape(copy)).toEqual(shape(JSON.parse('{"__proto__":{"a":1.5},"b":[1,{"c":2000}]}')));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.b).not.toBe(source.b);
  });
});

describe('arrayElementTexts', () => {
  /** An object text whose `data` key (among others, in any place) holds the given elements. */
  const page = fc
    .tuple(
      space,
      fc.array(fc.tuple(plainKey.filter((key) => key !== '"data"'), jsonText(numberToken, anyKey)), { maxLength: 3 }),
      fc.array(jsonText(numberToken, anyKey).filter((text) => text.startsWith('{')), { maxLength: 5 }),
      fc.nat(3),
    )
    .map(([s, others, elements, at]) => {
      const entries = others.map(([key, value]) => `${key}${s}:${s}${value}`);
      entries.splice(Math.min(at, entries.length), 0, `"data"${s}:${s}[${s}${elements.join(`${s},${s}`)}${s}]`);
      return { text: `${s}{${s}${entries.join(`,${s}`)}${s}}${s}`, elements };
    });

  it('cuts out the text of every object element of the key, exactly as written, for arbitrary pages', () => {
    fc.assert(
      fc.property(page, ({ text, elements }) => {
        try {
          parseExactLossless(text);
        } catch {
          return; // a repeated key with another value: not a page that parses
        }
        expect(arrayElementTexts(text, 'data')).toEqual(elements);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives null for what is not plainly the key of the outer object holding an array', () => {
    expect(arrayElementTexts('{"data":[{"a":1}],"data":[{"a":1}]}', 'data')).toBeNull();
    expect(arrayElementTexts('{"d\\u0061ta":[{"a":1}]}', 'data')).toBeNull();
    expect(arrayElementTexts('{"data":{"a":[{"b":1}]}}', 'data')).toBeNull();
    expect(arrayElementTexts('{"other":{"data":[{"b":1}]}}', 'data')).toBeNull();
    expect(arrayElementTexts('[{"data":[{"b":1}]}]', 'data')).toBeNull();
    expect(arrayElementTexts('{"data":[{"a":1},"x"]}', 'data')).toBeNull();
    expect(arrayElementTexts('{"data":[[{"a":1}]]}', 'data')).toBeNull();
    expect(arrayElementTexts('{"total":1}', 'data')).toBeNull();
  });

  it('skips what is not an object, so that the caller sees the counts differ', () => {
    expect(arrayElementTexts('{"data":[1,{"a":"]}"},null]}', 'data')).toEqual(['{"a":"]}"}']);
    expect(arrayElementTexts('{"data":[]}', 'data')).toEqual([]);
  });
});
