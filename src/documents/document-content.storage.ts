import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { discardStaged, removeStaleParts, StagedContent, stageContent } from './content-staging';
import { DocumentStorageKind, ResolvedDocumentsOptions, TRADECLOUD_DOCUMENTS_OPTIONS } from './documents-options';
import { FilesystemContentStore } from './filesystem-content.store';
import { PostgresContentStore } from './postgres-content.store';

/** Staging area of the `'postgres'` storage (the file is copied into Postgres, then removed). */
const POSTGRES_STAGING = path.join(os.tmpdir(), 'tradecloud-documents');

/**
 * Where content goes (the configured storage) and where it is read from (the storage recorded
 * with it, so content stored before a change of `documents.storage` stays readable).
 */
@Injectable()
export class DocumentContentStorage {
  private readonly options: ResolvedDocumentsOptions;
  private readonly postgres: PostgresContentStore;
  private readonly filesystem?: FilesystemContentStore;

  constructor(database: TradecloudDatabase, @Inject(TRADECLOUD_DOCUMENTS_OPTIONS) options: ResolvedDocumentsOptions) {
    this.options = options;
    this.postgres = new PostgresContentStore(database);
    if (this.options.directory) this.filesystem = new FilesystemContentStore(database, this.options.directory);
  }

  get kind(): DocumentStorageKind {
    return this.options.storage;
  }

  /** Creates the directories downloads need; throws (stopping start-up) when that is impossible. */
  async prepare(): Promise<void> {
    try {
      if (this.options.storage === 'filesystem') await this.requireFilesystem().prepare();
      else {
        await mkdir(POSTGRES_STAGING, { recursive: true, mode: 0o700 });
        await removeStaleParts(POSTGRES_STAGING, 24 * 3_600_000);
      }
    } catch (error) {
      throw new Error(`Cannot prepare the document storage directory: ${(error as Error).message}`);
    }
  }

  /** Writes a download to a temporary file (hashed and counted as it streams). */
  stage(body: Readable): Promise<StagedContent> {
    const directory = this.options.storage === 'filesystem' ? this.requireFilesystem().incomingDirectory : POSTGRES_STAGING;
    return stageContent(body, directory);
  }

  /** Stores staged content under its hash (once per distinct content), and removes the staged file. */
  async keep(staged: StagedContent, contentType: string | null): Promise<void> {
    try {
      if (this.options.storage === 'filesystem') await this.requireFilesystem().save(staged, contentType);
      else await this.postgres.save(staged, contentType);
    } finally {
      await discardStaged(staged);
    }
  }

  discard(staged: StagedContent | undefined): Promise<void> {
    return discardStaged(staged);
  }

  /** The stored bytes of `sha256`; `storage` is what `document_contents` recorded for it. */
  async open(sha256: string, storage: DocumentStorageKind, sizeBytes: number): Promise<Readable | undefined> {
    if (storage === 'postgres') return this.postgres.open(sha256, sizeBytes);
    if (!this.filesystem || !(await this.filesystem.fileExists(sha256))) return undefined;
    return this.filesystem.open(sha256);
  }

  /**
   * Removes the file of unreferenced `filesystem` content, or undefined when this instance has
   * no content directory (maintenance then leaves such content alone).
   */
  get fileRemover(): ((sha256: string) => Promise<void>) | undefined {
    const filesystem = this.filesystem;
    return filesystem ? (sha256) => filesystem.remove(sha256) : undefined;
  }

  private requireFilesystem(): FilesystemContentStore {
    // resolveDocumentsOptions insists on a directory for 'filesystem'; this only guards misuse.
    if (!this.filesystem) throw new Error('documents.directory is not configured');
    return this.filesystem;
  }
}
