import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { JobQueue, QueueJob } from '../queue/job-queue.service';
import { DomainEventPublisher } from '../events/domain-event.publisher';
import { EventProcessedEvent, PipelineEvents } from '../observability/pipeline-events';
import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';
import { EventApplierRegistry, StoredEvent } from './event-applier';

export const PROCESS_EVENT_QUEUE = 'tradecloud-process-event';

export interface ProcessEventJob {
  eventId: string;
}

/**
 * Processes stored webhook events from the queue: the applier for the event's payload writes
 * its rows and the event's new status in one transaction. A failure is recorded on the event
 * (`attempts`, `last_error`, status `failed`) and retried by the queue with back-off; after the
 * last attempt the event is `dead`, kept for replay.
 */
@Injectable()
export class EventProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('TradecloudProcessor');

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly queue: JobQueue,
    private readonly appliers: EventApplierRegistry,
    private readonly pipeline: PipelineEvents,
    private readonly domainEvents: DomainEventPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.createQueue(PROCESS_EVENT_QUEUE);
    await this.queue.work<ProcessEventJob>(PROCESS_EVENT_QUEUE, (job) => this.handle(job));
  }

  async handle(job: QueueJob<ProcessEventJob>): Promise<void> {
    const event = await this.load(job.data.eventId);
    if (!event) return; // rejected, dead (replay sets it back to pending), or removed by an operator
    const started = Date.now();
    try {
      const applier = this.appliers.get(event.payloadKind);
      if (!applier) throw new Error(`No processing is defined for payload "${event.payloadKind}"`);
      const write = await applier.prepare(event);
      const { result, queued } = await this.database.transaction(async (client) => {
        const queuedBefore = this.domainEvents.queuedOn(client);
        const applied = await write(client);
        await client.query(
          `UPDATE ${this.database.table('webhook_events')}
              SET status = $2, outcome = $3::jsonb, attempts = attempts + 1, processed_at = now(), last_error = NULL,
                  fetched_body = coalesce($4::jsonb, fetched_body),
                  purchase_order_number = coalesce(purchase_order_number, $5),
                  shipment_number = coalesce(shipment_number, $6)
            WHERE id = $1`,
          [
            event.id,
            applied.stale ? 'stale' : 'processed',
            stringifyExact(applied.outcome),
            applied.fetched?.body ?? null,
            applied.fetched?.purchaseOrderNumber ?? null,
            applied.fetched?.shipmentNumber ?? null,
          ],
        );
        // The job is completed in this transaction: the event's rows, its status and the job's
        // completion commit together, and no statement is left to run after the commit.
        await job.completeWithin(client);
        return { result: applied, queued: this.domainEvents.queuedOn(client) - queuedBefore };
      });
      this.logger.debug(`Event ${event.id} (${event.eventName}) ${result.stale ? 'stale' : 'processed'} in ${Date.now() - started} ms`);
      this.report(event, job, result.stale ? 'stale' : 'processed', started);
      // Only when this transaction queued deliveries (it has committed now). Without handlers, or
      // when nothing a handler subscribed to changed, a woken worker would only fetch nothing.
      if (queued > 0) this.domainEvents.wake();
    } catch (error) {
      const permanent = isPermanentError(error);
      const final = permanent || job.retryCount >= job.retryLimit;
      const message = (error as Error)?.message || String(error);
      this.logger.warn(
        `Event ${event.id} (${event.eventName}) failed on attempt ${job.retryCount + 1}/${job.retryLimit + 1}` +
          `${final ? `, giving up${permanent ? ' (permanent error)' : ''}: marked dead` : ', will retry'}: ${message}`,
      );
      await this.database
        .query(
          `UPDATE ${this.database.table('webhook_events')}
              SET status = $2, attempts = attempts + 1, last_error = $3
            WHERE id = $1 AND status NOT IN ('processed', 'stale')`,
          [event.id, final ? 'dead' : 'failed', message.slice(0, 4000)],
        )
        .catch((recordError) => this.logger.warn(`Could not record the failure of event ${event.id}: ${recordError.message}`));
      this.report(event, job, final ? 'dead' : 'failed', started, message);
      // The event row says `dead`: the job is done. Otherwise the queue retries it with back-off.
      if (!final) throw error;
    }
  }

  private report(event: StoredEvent, job: QueueJob<ProcessEventJob>, status: EventProcessedEvent['status'], started: number, error?: string): void {
    this.pipeline.emit('event.processed', {
      eventId: event.id,
      endpoint: event.endpoint,
      payloadKind: event.payloadKind,
      eventName: event.eventName,
      entityId: event.entityId,
      status,
      attempt: job.retryCount + 1,
      durationMs: Date.now() - started,
      lagMs: Date.now() - event.receivedAt.getTime(),
      error,
    });
  }

  private async load(eventId: string): Promise<StoredEvent | undefined> {
    const result = await this.database.query<{
      id: string;
      endpoint: string;
      payload_kind: string;
      event_name: string | null;
      entity_id: string | null;
      body: string;
      received_at: Date;
    }>(
      `SELECT id, endpoint, payload_kind, event_name, entity_id, body::text AS body, received_at
         FROM ${this.database.table('webhook_events')}
        WHERE id = $1 AND status NOT IN ('rejected', 'dead') AND body IS NOT NULL`,
      [eventId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      id: String(row.id),
      endpoint: row.endpoint,
      payloadKind: row.payload_kind,
      eventName: row.event_name,
      entityId: row.entity_id,
      body: parseExact(row.body) as Record<string, unknown>,
      receivedAt: row.received_at,
    };
  }
}

/**
 * Errors that no retry can fix: the Tradecloud API answered 404/403 (order unknown or not
 * ours), or a fetched entity has an unusable shape. A missing API configuration is not one of
 * them: it can be fixed while the event waits.
 */
function isPermanentError(error: unknown): boolean {
  if ((error as { permanent?: unknown })?.permanent === true) return true;
  if (error instanceof TradecloudApiError) return !error.transient && error.code !== 'not_configured';
  return false;
}
