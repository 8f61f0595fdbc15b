import { createHash } from 'node:crypto';

/**
 * Deterministic text that PostgreSQL cannot compress (as real ids and URLs), so that a value at
 * a limit really takes its full size in an index entry; `'x'.repeat(n)` would shrink to a few bytes.
 */

/** `length` URL-safe ASCII characters (one byte each). */
export function incompressibleAscii(length: number, seed = 1): string {
  let text = '';
  for (let i = 0; text.length < length; i++) text += createHash('sha256').update(`ascii:${seed}:${i}`).digest('base64url');
  return text.slice(0, length);
}

/** `length` CJK characters of three UTF-8 bytes each: the worst case of a limit counted in characters. */
export function incompressibleWide(length: number, seed = 1): string {
  const chars: string[] = [];
  for (let i = 0; chars.length < length; i++) {
    const digest = createHash('sha256').update(`wide:${seed}:${i}`).digest();
    for (let j = 0; j + 1 < digest.length && chars.length < length; j += 2) chars.push(String.fromCharCode(0x4e00 + (digest.readUInt16BE(j) % 20902)));
  }
  return chars.join('');
}
