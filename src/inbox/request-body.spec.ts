import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, readRequestBytes, unstorableContent } from './request-body';

/**
 * Sends `pieces` to a loopback server that reads the body with {@link readRequestBytes} and gives
 * back what it read (or its error) and the pieces `onChunk` saw.
 */
async function readOverHttp(pieces: Buffer[], declare: boolean, limitBytes = 50 * 1024 * 1024): Promise<{ bytes?: Buffer; error?: string; chunks: number }> {
  let outcome!: Promise<{ bytes?: Buffer; error?: string; chunks: number }>;
  const server = http.createServer((request, response) => {
    let chunks = 0;
    outcome = readRequestBytes(request, limitBytes, () => chunks++).then(
      (bytes) => ({ bytes: Buffer.from(bytes), chunks }),
      (error: Error) => ({ error: error.message, chunks }),
    );
    void outcome.then(() => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
    await new Promise<void>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', headers: declare ? { 'content-length': total } : {} },
        (response) => response.resume().on('end', resolve),
      );
      request.on('error', reject);
      for (const piece of pieces) request.write(piece);
      request.end();
    });
    return await outcome;
  } finally {
    server.close();
  }
}

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

describe('readRequestBytes', () => {
  const body = randomBytes(3 * 1024 * 1024 + 17);
  const pieces = (size: number) => Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));

  it.each([
    ['with a declared length, in pieces (moved into one buffer past the first megabyte)', true, 65_536 + 3],
    ['without a declared length (chunked)', false, 100_000],
    ['with a declared length, in one piece', true, body.length],
  ])('gives back every byte in order %s, and shows each piece to onChunk', async (_name, declare, size) => {
    const read = await readOverHttp(pieces(size), declare);
    expect(read.error).toBeUndefined();
    expect(read.bytes!.equals(body)).toBe(true);
    expect(read.chunks).toBeGreaterThan(0);
  });

  it('gives back a small body whole, and refuses one past the limit as it arrives', async () => {
    const small = await readOverHttp([Buffer.from('{"a":'), Buffer.from('1}')], true);
    expect(small.bytes!.toString()).toBe('{"a":1}');
    const tooLarge = await readOverHttp(pieces(65_536), false, 1024 * 1024);
    expect(tooLarge.error).toMatch(/larger than the limit of 1048576 bytes/);
  });
});
