import { describe, expect, it } from 'vitest';
import { jsonDiff } from './json-diff';
import { parseExact } from './lossless-json';

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

  it('skips ignored top-level keys', () => {
    expect(jsonDiff({ lastUpdatedAt: 'a', x: 1 }, { lastUpdatedAt: 'b', x: 1 }, ['lastUpdatedAt'])).toEqual({});
  });
});
