import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A downloaded body written to a temporary file, with its hash and size. */
export interface StagedContent {
  path: string;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  sizeBytes: number;
}

/**
 * Streams `body` into a new file in `directory`, hashing and counting on the way, so memory
 * stays flat whatever the size. The file is flushed to disk before this resolves. On any error
 * (a failed or over-size download included) the partial file is removed and the error rethrown.
 */
export async function stageContent(body: Readable, directory: string): Promise<StagedContent> {
  const file = path.join(directory, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(body, measure, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    // Durable before it is renamed into place or copied: a crash must not leave a short file under a hash.
    const handle = await open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    body.destroy();
    await rm(file, { force: true });
    throw error;
  }
  return { path: file, sha256: hash.digest('hex'), sizeBytes };
}

export async function discardStaged(staged: StagedContent | undefined): Promise<void> {
  if (staged) await rm(staged.path, { force: true });
}

/** Removes `.part` files older than `maxAgeMs` left by a process that died while downloading. */
export async function removeStaleParts(directory: string, maxAgeMs: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(directory, name);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > maxAgeMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
