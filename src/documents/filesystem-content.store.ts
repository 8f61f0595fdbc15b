import { createReadStream } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { discardStaged, removeStaleParts, StagedContent } from './content-staging';

/** Downloads in progress, next to the content so that the final rename stays on one filesystem. */
const INCOMING = '.incoming';
/** A `.part` file this old belongs to a process that died: no download runs that long. */
const STALE_PART_MS = 24 * 3_600_000;

/**
 * Content kept as files named by their SHA-256 (`<directory>/ab/abcdef…`), with a row in
 * `document_contents` (`storage = 'filesystem'`, no `content`) so that references and
 * deduplication work the same in both storages. A file is complete or absent: it is written
 * under a temporary name, flushed, then renamed into place.
 */
export class FilesystemContentStore {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly directory: string,
  ) {}

  /** Where downloads are staged. */
  get incomingDirectory(): string {
    return path.join(this.directory, INCOMING);
  }

  /** Creates the directories (fails start-up when they cannot be created) and clears stale downloads. */
  async prepare(): Promise<void> {
    await mkdir(this.incomingDirectory, { recursive: true });
    await removeStaleParts(this.incomingDirectory, STALE_PART_MS);
  }

  /** Moves the staged file into place under its hash, unless that content is stored already. */
  async save(staged: StagedContent, contentType: string | null): Promise<void> {
    const contents = this.database.table('document_contents');
    const existing = await this.database.query<{ storage: string }>(`SELECT storage FROM ${contents} WHERE sha256 = $1`, [staged.sha256]);
    const storage = existing.rows[0]?.storage;
    if (storage === 'postgres' || (storage === 'filesystem' && (await this.fileExists(staged.sha256)))) {
      await discardStaged(staged);
      return;
    }
    const target = this.pathOf(staged.sha256);
    await mkdir(path.dirname(target), { recursive: true });
    // Same name means same bytes: replacing a file another download just put there changes nothing.
    await rename(staged.path, target);
    await this.syncDirectory(path.dirname(target));
    await this.database.query(
      `INSERT INTO ${contents} (sha256, storage, content, size_bytes, content_type)
       VALUES ($1, 'filesystem', NULL, $2, $3)
       ON CONFLICT (sha256) DO NOTHING`,
      [staged.sha256, staged.sizeBytes, contentType],
    );
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  async fileExists(sha256: string): Promise<boolean> {
    return access(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  pathOf(sha256: string): string {
    return contentFilePath(this.directory, sha256);
  }

  /** Removes the file of content no document references any more (maintenance); a missing file is fine. */
  remove(sha256: string): Promise<void> {
    return removeContentFile(this.directory, sha256);
  }

  /** Makes the rename itself durable (best effort: not every platform can open a directory). */
  private async syncDirectory(directory: string): Promise<void> {
    const handle = await open(directory, 'r').catch(() => undefined);
    if (!handle) return;
    await handle.sync().catch(() => undefined);
    await handle.close();
  }
}

/** Where the `filesystem` storage keeps the content `sha256` below `directory`. */
export function contentFilePath(directory: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
  return path.join(directory, sha256.slice(0, 2), sha256);
}

/** Removes a content file (used by maintenance for unreferenced content, also from the CLI); a missing file is fine. */
export function removeContentFile(directory: string, sha256: string): Promise<void> {
  return rm(contentFilePath(directory, sha256), { force: true });
}
