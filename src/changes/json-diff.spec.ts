import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDiff } from './json-diff';
import { parseExact, stringifyExact } from './lossless-json';

describe('jsonDiff', () => {
  it('reports changed leaves by path, with old and new values', () => {
    const before = parseExact('{"a": {"b": [1, 2]}, "c": "x", "gone": true}');
    const after = parseExact('{"a": {"b": [1, 3, 4]}, "c": "x", "new": null}');
    const diff = jsonDiff(before, after);
    expect(Object.keys(diff).sort()).toEqual(['a.b[1]', 'a.b[2]', 'gone']);
    expect(String(diff['a.b[1]'].old)).toBe('2');
    expect(String(diff['a.b[1]'].new)).toBe('3');
    expect(diff.gone).toEqual({ old: true, new: null });
  });

  it('compares exact numbers by value: 92.0 equals 92, 18.45 differs from 18.4500001', () => {
    expect(jsonDiff(parseExact('{"p": 92.0, "q": 0.10}'), parseExact('{"p": 92, "q": 0.1}'))).toEqual({});
    const diff = jsonDiff(parseExact('{"p": 18.45}'), parseExact('{"p": 18.4500001}'));
    expect(String(diff.p.new)).toBe('18.4500001');
  });

  it('reports a top-level key named __proto__ as a change of its own, not as the diff’s prototype', () => {
    const diff = jsonDiff(parseExact('{"__proto__": "a", "x": 1}'), parseExact('{"__proto__": "b", "x": 1}'));
    expect(Object.keys(diff)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(diff)).toBe(Object.prototype);
    expect(JSON.parse(stringifyExact(diff))).toEqual(JSON.parse('{"__proto__": {"old": "a", "new": "b"}}'));
  });

  it('skips ignored top-level keys', () => {
    expect(jsonDiff({ lastUpdatedAt: 'a', x: 1 }, { lastUpdatedAt: 'b', x: 1 }, ['lastUpdatedAt'])).toEqual({});
  });

  it('ignores keys only at the top level', () => {
    const diff = jsonDiff({ lastUpdatedAt: 'a', meta: { lastUpdatedAt: 'a' } }, { lastUpdatedAt: 'b', meta: { lastUpdatedAt: 'b' } }, ['lastUpdatedAt']);
    expect(diff).toEqual({ 'meta.lastUpdatedAt': { old: 'a', new: 'b' } });
  });

  it('skips keys by path on both sides, at any depth, without looking at their values', () => {
    const skip = (path: ReadonlyArray<string | number>) => path[path.length - 1] === 'lines';
    const previous = { lines: [{ q: 1 }], carriers: [{ lines: [{ q: 1 }], id: 'a' }], n: 1 };
    const next = { lines: [{ q: 2 }, { q: 3 }], carriers: [{ lines: null, id: 'b' }], n: 1 };
    expect(jsonDiff(previous, next, [], skip)).toEqual({ 'carriers[0].id': { old: 'a', new: 'b' } });
    expect(jsonDiff({}, { lines: [1] }, [], skip)).toEqual({}); // appears: skipped too
  });

  it('reports array entries that appear or disappear with null on the missing side', () => {
    expect(jsonDiff({ s: ['a'] }, { s: ['a', 'b', 'c'] })).toEqual({ 's[1]': { old: null, new: 'b' }, 's[2]': { old: null, new: 'c' } });
    expect(jsonDiff({ s: ['a', 'b'] }, { s: [] })).toEqual({ 's[0]': { old: 'a', new: null }, 's[1]': { old: 'b', new: null } });
  });

  it('reports a value that changes kind (object, array, leaf, null) as a whole at its path', () => {
    expect(jsonDiff({ x: { a: 1 } }, { x: [1] })).toEqual({ x: { old: { a: 1 }, new: [1] } });
    expect(jsonDiff({ x: null }, { x: { a: 1 } })).toEqual({ x: { old: null, new: { a: 1 } } });
    expect(jsonDiff({ x: 'text' }, { x: ['text'] })).toEqual({ x: { old: 'text', new: ['text'] } });
    expect(jsonDiff({ x: '1' }, parseExact('{"x": 1}'))).toHaveProperty('x');
    expect(jsonDiff(true, false)).toEqual({ $: { old: true, new: false } });
  });

  it('treats a missing member and an explicit null as the same', () => {
    expect(jsonDiff({ a: null }, {})).toEqual({});
    expect(jsonDiff({}, { a: null, b: [] })).toEqual({ b: { old: null, new: [] } });
  });

  it('does not depend on key order', () => {
    expect(jsonDiff(parseExact('{"a": 1, "b": {"c": 2, "d": 3}}'), parseExact('{"b": {"d": 3, "c": 2}, "a": 1}'))).toEqual({});
  });

  it('compares numbers exactly: digits past a double’s precision count, notation does not', () => {
    const changed = jsonDiff(parseExact('{"q": 0.1}'), parseExact('{"q": 0.10000000000000000001}'));
    expect(Object.keys(changed)).toEqual(['q']);
    expect(String(changed.q.new)).toBe('0.10000000000000000001');
    expect(Object.keys(jsonDiff(parseExact('{"q": 12345678901234567890}'), parseExact('{"q": 12345678901234567891}')))).toEqual(['q']);
    expect(jsonDiff(parseExact('{"q": 1.10, "z": -0.0, "e": 1.5e1}'), parseExact('{"q": 1.1, "z": 0, "e": 15}'))).toEqual({});
    // An empty key has a path of its own, apart from the root's (`$`) and from a key named `$`.
    expect(jsonDiff({ '': false }, { $: '' })).toEqual({ '""': { old: false, new: null }, $: { old: null, new: '' } });
    // An exact number and a plain one with the same value are the same.
    expect(jsonDiff(parseExact('{"q": 2.50}'), { q: 2.5 })).toEqual({});
    // Keys that name Object.prototype's members are plain keys on either side (fast-check found this).
    expect(jsonDiff({ valueOf: null }, {})).toEqual({});
    expect(jsonDiff({ constructor: 1, toString: 'x' }, {})).toEqual({ constructor: { old: 1, new: null }, toString: { old: 'x', new: null } });
    expect(jsonDiff({}, { hasOwnProperty: true })).toEqual({ hasOwnProperty: { old: null, new: true } });
  });

  describe('properties', () => {
    /** JSON documents, numbers exact (through text and `parseExact`), as the stored lines are. */
    const document = fc.jsonValue({ maxDepth: 3 }).map((value) => parseExact(JSON.stringify(value)));
    const asText = (diff: ReturnType<typeof jsonDiff>) =>
      Object.fromEntries(Object.entries(diff).map(([path, change]) => [path, { old: stringifyExact(change.old), new: stringifyExact(change.new) }]));

    it('a document has no difference with itself or a copy of itself', () => {
      fc.assert(
        fc.property(document, (value) => {
          expect(jsonDiff(value, value)).toEqual({});
          expect(jsonDiff(value, parseExact(stringifyExact(value)))).toEqual({});
        }),
        { numRuns: 200 },
      );
    });

    it('is symmetric: the reverse diff has the same paths with old and new swapped', () => {
      fc.assert(
        fc.property(document, document, (a, b) => {
          const forward = asText(jsonDiff(a, b));
          const backward = asText(jsonDiff(b, a));
          expect(Object.keys(backward).sort()).toEqual(Object.keys(forward).sort());
          for (const [path, change] of Object.entries(forward)) expect(backward[path]).toEqual({ old: change.new, new: change.old });
        }),
        { numRuns: 200 },
      );
    });

    it('reports exactly the one leaf that was changed', () => {
      const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.integer().map((value) => parseExact(String(value))));
      fc.assert(
        fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.array(leaf, { minLength: 1, maxLength: 4 }), { minKeys: 1, maxKeys: 5 }), fc.nat(), leaf, (object, pick, replacement) => {
          const keys = Object.keys(object);
          const key = keys[pick % keys.length];
          const index = pick % object[key].length;
          const changed = { ...object, [key]: object[key].map((value, i) => (i === index ? replacement : value)) };
          const diff = jsonDiff(object, changed);
          const same = stringifyExact(object[key][index]) === stringifyExact(replacement);
          expect(Object.keys(diff)).toEqual(same ? [] : [`${key}[${index}]`]);
        }),
        { numRuns: 200 },
      );
    });
  });
});
