import { describe, expect, it } from 'vitest';
import { challengesFor, decodeBasicCredentials, looksLikeJwt, parseAuthorization } from './authorization-header';

const basic = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('parseAuthorization', () => {
  it('splits scheme and credentials, case-insensitively on the scheme', () => {
    expect(parseAuthorization('Basic dGM6cHc=')).toEqual({ scheme: 'basic', credentials: 'dGM6cHc=' });
    expect(parseAuthorization('bEaReR abc.def')).toEqual({ scheme: 'bearer', credentials: 'abc.def' });
  });

  it.each([undefined, '', 'Basic', 'Basic ', 'Basic  dGM6cHc=', 'Bearer a b', 'Bearer tok\u00e9n', ['Basic a', 'Basic b']])(
    'refuses the malformed header %o',
    (header) => {
      expect(parseAuthorization(header as never)).toBeUndefined();
    },
  );
});

describe('decodeBasicCredentials', () => {
  it('splits at the first colon only, so passwords may contain colons (RFC 7617)', () => {
    expect(decodeBasicCredentials(basic('tradecloud:pa:ss:word'))).toEqual({ username: 'tradecloud', password: 'pa:ss:word' });
    expect(decodeBasicCredentials(basic('j\u00f6rg:p\u00e4ss'))).toEqual({ username: 'j\u00f6rg', password: 'p\u00e4ss' });
  });

  it.each([basic('no-colon'), basic(':password'), basic('user:'), 'not base64!'])('refuses %s', (credentials) => {
    expect(decodeBasicCredentials(credentials)).toBeUndefined();
  });
});

describe('looksLikeJwt', () => {
  const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('recognises compact JWS with a JSON header naming an alg, also unsigned ones', () => {
    expect(looksLikeJwt(`${header({ alg: 'RS256', kid: 'k' })}.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`)).toBe(true);
    expect(looksLikeJwt(`${header({ alg: 'none' })}.eyJzdWIiOiJ4In0.`)).toBe(true);
  });

  it('treats anything else as a static token', () => {
    expect(looksLikeJwt('tcdev_abcDEF123-_')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false);
    expect(looksLikeJwt(`${header({ typ: 'JWT' })}.eyJzdWIiOiJ4In0.c2ln`)).toBe(false);
    expect(looksLikeJwt(`${header({ alg: 'RS256' })}.eyJzdWIiOiJ4In0`)).toBe(false);
  });
});

describe('challengesFor', () => {
  it('names exactly the accepted schemes; OAuth travels as Bearer', () => {
    expect(challengesFor(['basic'], 'r')).toEqual(['Basic realm="r", charset="UTF-8"']);
    expect(challengesFor(['oauth'], 'r')).toEqual(['Bearer realm="r"']);
    expect(challengesFor(['basic', 'bearer', 'oauth'], 'r')).toEqual(['Basic realm="r", charset="UTF-8"', 'Bearer realm="r"']);
  });

  it('still sends a challenge when a kind accepts nothing (a 401 must carry one)', () => {
    expect(challengesFor([], 'r')).toHaveLength(2);
  });
});
