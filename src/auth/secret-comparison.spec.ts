import { describe, expect, it } from 'vitest';
import { SecretMatcher } from './secret-comparison';

describe('SecretMatcher', () => {
  const matcher = new SecretMatcher();
  const digest = (value: string) => matcher.digest(value);

  it('matches equal secrets only, including values of other lengths and prefixes (no throw, no early exit)', () => {
    const secret = digest('correct horse battery staple');
    expect(matcher.matches(digest('correct horse battery staple'), secret)).toBe(true);
    expect(matcher.matches(digest('correct horse'), secret)).toBe(false);
    expect(matcher.matches(digest('correct horse battery staple!'), secret)).toBe(false);
    expect(matcher.matches(digest(''), secret)).toBe(false);
  });

  it('reduces every value to a 32-byte digest under a per-instance key', () => {
    expect(digest('a')).toHaveLength(32);
    expect(digest('a'.repeat(10_000))).toHaveLength(32);
    expect(new SecretMatcher().digest('a').equals(digest('a'))).toBe(false);
  });

  it('finds which configured secret matched', () => {
    const configured = ['old-token', 'new-token'].map(digest);
    expect(matcher.indexIn(digest('new-token'), configured)).toBe(1);
    expect(matcher.indexIn(digest('old-token'), configured)).toBe(0);
    expect(matcher.indexIn(digest('new-toke'), configured)).toBe(-1);
    expect(matcher.indexIn(digest('x'), [])).toBe(-1);
  });
});
