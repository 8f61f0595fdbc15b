import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * Document content that is produced while it is sent instead of being held in memory: `size`
 * deterministic pseudo-random bytes derived from `seed`. Lets tests serve a 200 MB file
 * without a 200 MB Buffer.
 */
export interface GeneratedContent {
  size: number;
  seed?: number;
}

export type SimulatedContent = Buffer | GeneratedContent;

const CHUNK_BYTES = 64 * 1024;

/** The bytes of `content` as a stream (a Buffer is streamed as is). */
export function contentStream(content: SimulatedContent): Readable {
  if (Buffer.isBuffer(content)) return Readable.from([content]);
  let state = (content.seed ?? 1) >>> 0 || 1;
  let remaining = content.size;
  return new Readable({
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, remaining);
      const words = new Uint32Array(Math.ceil(length / 4));
      for (let i = 0; i < words.length; i++) {
        // xorshift32: fast, deterministic, good enough to defeat compression and dedupe by accident.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      remaining -= length;
      this.push(Buffer.from(words.buffer, 0, length));
    },
  });
}

export function contentSize(content: SimulatedContent): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

/** Hex SHA-256 of `content`, streamed (what a receiver should store as the content's key). */
export async function contentSha256(content: SimulatedContent): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of contentStream(content)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
