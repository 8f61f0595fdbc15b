import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { ResolvedDocumentsOptions, TRADECLOUD_DOCUMENTS_OPTIONS } from './documents-options';
import { JobQueue, QueueJob } from '../queue/job-queue.service';
import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';
import { DocumentContentStorage } from './document-content.storage';
import { downloadErrorMessage, isPermanentDownloadError } from './document-download.error';
import { DOWNLOAD_DOCUMENT_QUEUE, DocumentDownloadQueue, DownloadDocumentJob } from './document-download.queue';
import { DocumentDownloadRepository, DownloadScope } from './document-download.repository';
import { DocumentFetcher, FetchedDocument } from './document-fetcher';

/** Rows handed to the queue per transaction when catching up on documents that never got a job. */
const CATCH_UP_BATCH = 500;

/**
 * Runs the download jobs: claims the content (one job per `objectId` at a time), downloads it,
 * stores it once per distinct SHA-256 and points every waiting row of that `objectId` at it. A
 * failed attempt is retried by the queue with back-off (`documents.attempts`,
 * `queue.retryDelaySeconds`); a permanent failure or the last attempt marks the rows `failed`
 * with `last_error`. Entirely separate from event processing: its own queue, its own
 * transactions, so a download never holds up or fails an order or shipment event.
 */
@Injectable()
export class DocumentDownloader implements OnApplicationBootstrap {
  private readonly logger = new Logger('TradecloudDocuments');
  private notConfiguredReported = false;

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly queue: JobQueue,
    private readonly downloads: DocumentDownloadQueue,
    private readonly repository: DocumentDownloadRepository,
    private readonly fetcher: DocumentFetcher,
    private readonly storage: DocumentContentStorage,
    @Inject(TRADECLOUD_DOCUMENTS_OPTIONS) private readonly options: ResolvedDocumentsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.downloads.enabled) return;
    await this.storage.prepare();
    await this.downloads.ensureCreated();
    await this.queue.work<DownloadDocumentJob>(DOWNLOAD_DOCUMENT_QUEUE, (job) => this.handle(job));
    const caughtUp = await this.enqueueWaiting();
    if (caughtUp) this.logger.log(`Queued the download of ${caughtUp} document(s) recorded without a download job`);
  }

  async handle(job: QueueJob<DownloadDocumentJob>): Promise<void> {
    // The lease outlives the job's own timeout: after that the queue hands the job out again (same id).
    const leaseSeconds = this.options.jobTimeoutSeconds + 60;
    const claim = await this.repository.claim(job.data.documentId, job.id, leaseSeconds);
    if (claim.kind !== 'claimed') {
      if (claim.kind === 'reused') this.logger.debug(`Document ${job.data.documentId}: content ${claim.sha256} was stored before, reused`);
      return;
    }
    const { scope } = claim;
    const started = Date.now();
    let fetched: FetchedDocument | undefined;
    try {
      fetched = await this.fetcher.fetch(scope);
      const { staged } = fetched;
      await this.storage.keep(staged, fetched.contentType);
      const rows = await this.repository.markStored(scope, job.id, {
        sha256: staged.sha256,
        sizeBytes: staged.sizeBytes,
        filename: fetched.filename,
        contentType: fetched.contentType,
      });
      this.logger.debug(
        `Stored ${describe(scope)} (${staged.sizeBytes} bytes, sha256 ${staged.sha256}, via ${fetched.via}) for ${rows} document(s) in ${Date.now() - started} ms`,
      );
    } catch (error) {
      await this.storage.discard(fetched?.staged).catch(() => undefined);
      await this.recordFailure(job, scope, error);
    }
  }

  /**
   * Puts failed documents (all, or the given document ids) back in the queue; returns how many
   * downloads were queued. For operators and the CLI, after the cause (configuration, a
   * partner's server) has been fixed.
   */
  async retryFailed(documentIds?: string[]): Promise<number> {
    const queued = await this.database.transaction(async (client) =>
      this.downloads.enqueue(client, await this.repository.reopenFailed(client, documentIds)),
    );
    return queued;
  }

  /** Queues the waiting documents that never got a job; returns how many downloads were queued. */
  async enqueueWaiting(): Promise<number> {
    let queued = 0;
    for (;;) {
      const batch = await this.database.transaction(async (client) => {
        const documents = await this.repository.takeNotEnqueued(client, CATCH_UP_BATCH);
        return { rows: documents.length, jobs: await this.downloads.enqueue(client, documents) };
      });
      queued += batch.jobs;
      if (batch.rows < CATCH_UP_BATCH) return queued;
    }
  }

  private async recordFailure(job: QueueJob<DownloadDocumentJob>, scope: DownloadScope, error: unknown): Promise<void> {
    const permanent = isPermanentDownloadError(error);
    const final = permanent || job.retryCount >= job.retryLimit;
    const message = downloadErrorMessage(error);
    const notConfigured = error instanceof TradecloudApiError && error.code === 'not_configured';
    const line =
      `Download of ${describe(scope)} failed on attempt ${job.retryCount + 1}/${job.retryLimit + 1}` +
      `${final ? `, giving up${permanent ? ' (permanent error)' : ''}: marked failed` : ', will retry'}: ${message}`;
    // Without API configuration every objectId document fails the same way: say it once, loudly.
    if (notConfigured && !final && this.notConfiguredReported) this.logger.debug(line);
    else this.logger.warn(line);
    if (notConfigured) this.notConfiguredReported = true;
    await this.repository
      .markFailed(scope, job.id, message, final)
      .catch((recordError) => this.logger.warn(`Could not record the failed download of ${describe(scope)}: ${recordError.message}`));
    if (!final) throw error;
  }
}

function describe(scope: DownloadScope): string {
  return scope.objectId ? `document object ${scope.objectId}` : `the url of document ${scope.documentId}`;
}
