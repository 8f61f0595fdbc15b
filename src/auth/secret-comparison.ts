import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Compares secrets without leaking their length or a matching prefix through timing: both sides
 * are first reduced to an HMAC-SHA256 digest (fixed 32 bytes, under a key drawn at start-up and
 * never shown), and the digests are compared with `crypto.timingSafeEqual`.
 */
export class SecretMatcher {
  private readonly key = randomBytes(32);

  digest(value: string): Buffer {
    return createHmac('sha256', this.key).update(value, 'utf8').digest();
  }

  /** True when `candidate` equals the secret whose digest is `expected`. */
  matches(candidate: Buffer, expected: Buffer): boolean {
    return timingSafeEqual(candidate, expected);
  }

  /**
   * Index of the first configured digest equal to `candidate`, or -1. Every entry is compared,
   * so the time taken does not tell which one (or whether any) matched.
   */
  indexIn(candidate: Buffer, expected: readonly Buffer[]): number {
    let found = -1;
    expected.forEach((digest, index) => {
      if (timingSafeEqual(candidate, digest) && found === -1) found = index;
    });
    return found;
  }
}
