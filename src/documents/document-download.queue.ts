import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { afterCommit } from '../database/after-commit';
import { ResolvedDocumentsOptions, TRADECLOUD_DOCUMENTS_OPTIONS } from './documents-options';
import { JobQueue } from '../queue/job-queue.service';

export const DOWNLOAD_DOCUMENT_QUEUE = 'tradecloud-download-document';

export interface DownloadDocumentJob {
  /** A document row; its job downloads the content for every pending row of the same `objectId`. */
  documentId: string;
}

/** A document row that needs its content. */
export interface DocumentToDownload {
  id: string;
  objectId: string | null;
}

/**
 * Sending download jobs. They are sent inside the transaction that records the documents, so a
 * document is never recorded without its job; the queue's workers are woken when that
 * transaction's connection goes back to the pool (after COMMIT or ROLLBACK), so that a new
 * document does not wait for the polling interval.
 */
@Injectable()
export class DocumentDownloadQueue {
  private created?: Promise<void>;

  constructor(
    private readonly queue: JobQueue,
    @Inject(TRADECLOUD_DOCUMENTS_OPTIONS) private readonly options: ResolvedDocumentsOptions,
  ) {}

  /** Whether downloads are switched on (`documents.download`). */
  get enabled(): boolean {
    return this.options.download;
  }

  /**
   * Creates the queue once. Event processing can start before this feature's start-up hook has
   * run, so senders wait for it here too. A failure is retried on the next call.
   */
  ensureCreated(): Promise<void> {
    this.created ??= this.queue
      .createQueue(DOWNLOAD_DOCUMENT_QUEUE, {
        jobTimeoutSeconds: this.options.jobTimeoutSeconds,
        attempts: this.options.attempts,
      })
      .catch((error) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }

  /** Sends one job per distinct content (one per `objectId`, one per `url` document) in the caller's transaction. */
  async enqueue(client: PoolClient, documents: DocumentToDownload[]): Promise<number> {
    const seen = new Set<string>();
    const jobs = documents.filter((document) => {
      const key = document.objectId ? `object:${document.objectId}` : `document:${document.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (!jobs.length) return 0;
    await this.ensureCreated();
    for (const document of jobs) {
      await this.queue.send<DownloadDocumentJob>(DOWNLOAD_DOCUMENT_QUEUE, { documentId: document.id }, client);
    }
    afterCommit(client, DOWNLOAD_DOCUMENT_QUEUE, () => this.wake());
    return jobs.length;
  }

  /** Wakes this instance's download workers (jobs sent outside a transaction of ours). */
  wake(): void {
    this.queue.wake(DOWNLOAD_DOCUMENT_QUEUE);
  }
}
