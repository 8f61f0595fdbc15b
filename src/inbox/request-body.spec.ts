import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, unstorableContent } from './request-body';

/** The text fast path must find exactly what the full walk finds. */
describe('unstorableContent with the body text', () => {
  const both = (text: string) => {
    const json = JSON.parse(text) as unknown;
    return { withText: unstorableContent(json, text), walked: unstorableContent(json) };
  };

  it('finds nothing in a plain body, with or without the text', () => {
    expect(both('{"orderEvent":{"lines":[{"position":"0010","quantity":12.50}]},"eventName":"x"}')).toEqual({ withText: undefined, walked: undefined });
  });

  it.each([
    ['U+0000 as an escape', '{"a":{"b":"x\\u0000y"}}', /body\.a\.b contains the character U\+0000/],
    ['an unpaired surrogate escape', '{"a":["\\ud800"]}', /body\.a\[0\] contains an unpaired UTF-16 surrogate/],
    ['__proto__ written plainly', '{"a":{"__proto__":{"polluted":true}}}', /the key "__proto__" is not allowed/],
    ['constructor written plainly', '{"constructor":1}', /the key "constructor" is not allowed/],
    ['__proto__ spelt with an escape', '{"a":{"__pro\\u0074o__":1}}', /the key "__proto__" is not allowed/],
    ['nesting one level too deep', `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`, /is nested deeper than 64 levels/],
    ['deep nesting inside an object', `{"a":${'{"b":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`, /is nested deeper than 64 levels/],
  ])('finds %s, with the same message as the full walk', (_, text, message) => {
    const { withText, walked } = both(text);
    expect(walked).toMatch(message);
    expect(withText).toBe(walked);
  });

  it('accepts nesting at the limit and paired surrogates (an emoji), as the full walk does', () => {
    const deepest = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(both(deepest)).toEqual({ withText: undefined, walked: undefined });
    expect(both('{"note":"📦 shipped","escaped":"\\ud83d\\udce6"}')).toEqual({ withText: undefined, walked: undefined });
  });
});
