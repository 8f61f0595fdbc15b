import { describe, expect, it } from 'vitest';
import { filenameFromContentDisposition, filenameFromUrl } from './download-body';
import { parseRetryAfter } from './tradecloud-http';

describe('filenameFromContentDisposition', () => {
  it.each([
    ['attachment; filename="packing list.pdf"', 'packing list.pdf'],
    [`attachment; filename="x.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%203.1.pdf`, 'Prüfbericht 3.1.pdf'],
    ['attachment; filename=plain.txt', 'plain.txt'],
    ['attachment; filename="quote\\"d.pdf"', 'quote"d.pdf'],
    ['inline', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(filenameFromContentDisposition(header)).toBe(expected);
  });

  it('falls back to the decoded last URL segment', () => {
    expect(filenameFromUrl(new URL('https://partner.example/docs/Data%20Sheet.pdf?sig=1'))).toBe('Data Sheet.pdf');
    expect(filenameFromUrl(new URL('https://partner.example/'))).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
