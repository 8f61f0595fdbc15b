import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import type { StoredDocument } from '../documents/document.store';
import { DomainEventPublisher } from '../events/domain-event.publisher';
import type { BatchScope, BatchSession } from '../processing/event-applier';
import { JsonDiff } from './json-diff';
import { stringifyExact } from './lossless-json';

/** The event a change came from (null for changes not caused by a webhook event). */
export interface EventContext {
  eventId: string | null;
  eventName: string | null;
}

/** One row of `changes`: one applied change of one entity. */
export interface ChangeRow {
  entity: 'order' | 'order_line' | 'document' | 'shipment' | 'shipment_line';
  changeType: 'created' | 'updated';
  orderId: string | null;
  lineId: string | null;
  shipmentId?: string | null;
  documentId?: string | null;
  eventId: string | null;
  eventName: string | null;
  previousLastUpdatedAt: string | null;
  lastUpdatedAt: string | null;
  /** Changed field paths with old and new values; null for a created entity. */
  diff: JsonDiff | null;
}

/**
 * Writes the `changes` log, in the same transaction as the changes themselves, and queues the
 * domain events those changes mean for the host's handlers (same transaction too).
 */
@Injectable()
export class ChangeRecorder {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly domainEvents: DomainEventPublisher,
  ) {}

  eventColumns(context: EventContext): Pick<ChangeRow, 'eventId' | 'eventName'> {
    return { eventId: context.eventId, eventName: context.eventName };
  }

  documentAdded(orderId: string | null, document: StoredDocument, context: EventContext, shipmentId: string | null = null): ChangeRow {
    return {
      entity: 'document',
      changeType: 'created',
      orderId,
      lineId: document.lineId,
      shipmentId,
      documentId: document.id,
      previousLastUpdatedAt: null,
      lastUpdatedAt: document.lastUpdatedAt,
      diff: null,
      ...this.eventColumns(context),
    };
  }

  async record(client: PoolClient, changes: ChangeRow[]): Promise<void> {
    if (!changes.length) return;
    await this.insert(client, changes);
    await this.domainEvents.publishChanges(client, changes);
  }

  /**
   * Records the changes of several events at once (a batch): one INSERT for all rows in the given
   * order, then the domain events of each event's changes, as {@link record} would have for each.
   */
  async recordEach(client: PoolClient, changesPerEvent: ChangeRow[][]): Promise<void> {
    await this.insert(client, changesPerEvent.flat());
    for (const changes of changesPerEvent) if (changes.length) await this.domainEvents.publishChanges(client, changes);
  }

  /**
   * The change log of a batch: every session of the batch adds each event's change rows to it as it
   * applies the event, and it records them all, in event order, after the sessions have written
   * their tables (so the `changes` ids follow the events, whatever entity each one changed).
   */
  log(scope: BatchScope): ChangeLog {
    return scope.session(CHANGE_LOG_SESSION, (client) => new ChangeLog(client, this));
  }

  private async insert(client: PoolClient, changes: ChangeRow[]): Promise<void> {
    if (!changes.length) return;
    const rows = changes.map((change, ord) => ({
      ord,
      entity: change.entity,
      change_type: change.changeType,
      order_id: change.orderId,
      line_id: change.lineId,
      shipment_id: change.shipmentId ?? null,
      document_id: change.documentId ?? null,
      event_id: change.eventId,
      event_name: change.eventName,
      previous_last_updated_at: change.previousLastUpdatedAt,
      last_updated_at: change.lastUpdatedAt,
      diff: change.diff,
    }));
    await client.query(
      `INSERT INTO ${this.database.table('changes')}
         (entity, change_type, order_id, line_id, shipment_id, document_id, event_id, event_name,
          previous_last_updated_at, last_updated_at, diff)
       SELECT x.entity, x.change_type, x.order_id, x.line_id, x.shipment_id, x.document_id, x.event_id, x.event_name,
              x.previous_last_updated_at, x.last_updated_at, x.diff
         FROM jsonb_to_recordset($1::jsonb) AS x(
              ord integer, entity text, change_type text, order_id uuid, line_id uuid, shipment_id text, document_id bigint,
              event_id bigint, event_name text, previous_last_updated_at timestamptz, last_updated_at timestamptz, diff jsonb)
        ORDER BY x.ord`,
      [stringifyExact(rows)],
    );
  }
}

const CHANGE_LOG_SESSION = 'changes';

/** Change rows of a batch's events, in event order, recorded at the end of each flush (see {@link ChangeRecorder.log}). */
export class ChangeLog implements BatchSession {
  readonly flushesLast = true;
  private readonly perEvent: ChangeRow[][] = [];

  constructor(
    private readonly client: PoolClient,
    private readonly recorder: ChangeRecorder,
  ) {}

  /**
   * The batch's log when a session has one, else a log of the session's own (`owned`: the session
   * records it at its flush).
   */
  static sharedOrOwn(client: PoolClient, recorder: ChangeRecorder, shared?: ChangeLog): { log: ChangeLog; owned: boolean } {
    return shared ? { log: shared, owned: false } : { log: new ChangeLog(client, recorder), owned: true };
  }

  /** The change rows of the next event; rows may still be appended until the flush (documents found new at the flush). */
  add(changes: ChangeRow[]): void {
    this.perEvent.push(changes);
  }

  async preload(): Promise<void> {}

  async flush(): Promise<void> {
    const perEvent = this.perEvent.splice(0);
    if (perEvent.some((changes) => changes.length)) await this.recorder.recordEach(this.client, perEvent);
  }
}
