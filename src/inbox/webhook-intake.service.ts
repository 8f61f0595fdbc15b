import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { JobQueue } from '../queue/job-queue.service';
import { webhookDedupeKey } from './dedupe-key';
import { PROCESS_EVENT_QUEUE, ProcessEventJob } from './event-processor.service';

/** A valid webhook request, about to be stored. */
export interface IncomingEvent {
  /** Which route received it: `orders`, `order-documents`, `shipments`, `orders-get`, `shipments-get`. */
  endpoint: string;
  payloadKind: string;
  eventName: string | null;
  /** Order id, shipment id. */
  entityId: string | null;
  messageId: string | null;
  /** The JSON exactly as received. */
  rawText: string;
  /** Overrides the default idempotency key (messageId, else a hash of the body). */
  dedupeKey?: string;
  /** The body as received when `rawText` is its conversion (a tXML request): kept in `raw_body` and hashed for the idempotency key. */
  originalBody?: string;
  /** Kept in columns so failed and dead events can be found by the number a user knows. */
  purchaseOrderNumber?: string | null;
  shipmentNumber?: string | null;
  /** `meta.source.companyId`. */
  actingCompanyId?: string | null;
}

export interface RejectedRequest {
  endpoint: string;
  rawText: string;
  /** False when the body was not JSON at all (then it is kept as text). */
  isJson: boolean;
  eventName: string | null;
  problems: string[];
  /** The body as received when `rawText` is its conversion (a tXML request): kept in `raw_body`. */
  originalBody?: string;
}

export interface IntakeResult {
  eventId: string;
  duplicate: boolean;
}

/**
 * The inbox. A valid event is committed to `webhook_events` together with its processing job
 * before the request is answered; a redelivery (same `meta.messageId`, else the same body on
 * the same endpoint) finds the stored event and does no work twice.
 */
@Injectable()
export class WebhookIntake {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly queue: JobQueue,
  ) {}

  async accept(event: IncomingEvent): Promise<IntakeResult> {
    const dedupeKey = event.dedupeKey || webhookDedupeKey(event.endpoint, event.messageId, event.originalBody ?? event.rawText);
    const table = this.database.table('webhook_events');
    const result = await this.database.transaction(async (client) => {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${table} (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body, raw_body,
                               purchase_order_number, shipment_number, acting_company_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id`,
        [
          event.endpoint,
          event.payloadKind,
          event.eventName,
          event.entityId,
          event.messageId,
          dedupeKey,
          event.rawText,
          event.originalBody ?? null,
          event.purchaseOrderNumber ?? null,
          event.shipmentNumber ?? null,
          event.actingCompanyId ?? null,
        ],
      );
      if (inserted.rows[0]) {
        const eventId = String(inserted.rows[0].id);
        await this.queue.send<ProcessEventJob>(PROCESS_EVENT_QUEUE, { eventId }, client);
        return { eventId, duplicate: false };
      }
      const existing = await client.query<{ id: string }>(`SELECT id FROM ${table} WHERE dedupe_key = $1`, [dedupeKey]);
      return { eventId: String(existing.rows[0].id), duplicate: true };
    });
    if (!result.duplicate) this.queue.wake(PROCESS_EVENT_QUEUE);
    return result;
  }

  /** Keeps a request that failed validation, with status `rejected` and the reasons, for inspection and replay. */
  async reject(request: RejectedRequest): Promise<string> {
    const insert = (asJson: boolean) =>
      this.database.query<{ id: string }>(
        `INSERT INTO ${this.database.table('webhook_events')}
           (endpoint, event_name, dedupe_key, status, last_error, body, raw_body)
         VALUES ($1, $2, $3, 'rejected', $4, $5::jsonb, $6)
         RETURNING id`,
        [
          request.endpoint,
          textColumn(request.eventName),
          // Rejected requests never count as deliveries: a corrected resend must not be a "duplicate".
          `rejected:${randomUUID()}`,
          textColumn(request.problems.join('\n')),
          asJson ? request.rawText : null,
          asJson ? (request.originalBody ?? null) : textColumn(request.originalBody ?? request.rawText),
        ],
      );
    let result;
    try {
      result = await insert(request.isJson);
    } catch (error) {
      // JSON that jsonb refuses (a number beyond numeric's range, …) is kept as text instead.
      if (!request.isJson || !isBodyDataError(error)) throw error;
      result = await insert(false);
    }
    return String(result.rows[0].id);
  }
}

/** Text PostgreSQL can store: a text column cannot hold U+0000. */
function textColumn(value: string): string;
function textColumn(value: string | null): string | null;
function textColumn(value: string | null): string | null {
  return value === null ? null : value.replace(/\u0000/g, '\uFFFD');
}

/**
 * A database error caused by the content of a body rather than by the database's state:
 * SQLSTATE class 22 (data exception: a value jsonb or a column cannot hold) or 54000 (a value
 * too large for an index). Retrying cannot help; the request is refused with 400.
 */
export function isBodyDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}
