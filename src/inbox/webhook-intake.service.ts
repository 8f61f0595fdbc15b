import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { InboxSignal } from '../queue/inbox-signal';
import { webhookDedupeKey } from './dedupe-key';

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
 * The inbox. A valid event is committed to `webhook_events` (which is also the processing queue)
 * before the request is answered; a redelivery (same `meta.messageId`, else the same body on
 * the same endpoint) finds the stored event and does no work twice.
 */
@Injectable()
export class WebhookIntake {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly inbox: InboxSignal,
  ) {}

  /**
   * Stores the event: one INSERT, committed on its own (synchronously: the 2xx promises that the
   * event is durable). The inbox is also the processing queue, so there is no job to write; a
   * redelivery finds the stored event by its key in the same statement.
   */
  async accept(event: IncomingEvent): Promise<IntakeResult> {
    const dedupeKey = event.dedupeKey || webhookDedupeKey(event.endpoint, event.messageId, event.originalBody ?? event.rawText);
    const table = this.database.table('webhook_events');
    const result = await this.database.query<{ id: string; duplicate: boolean }>(
      `WITH inserted AS (
         INSERT INTO ${table} (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body, raw_body,
                               purchase_order_number, shipment_number, acting_company_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id)
       SELECT id, false AS duplicate FROM inserted
       UNION ALL
       SELECT id, true FROM ${table} WHERE dedupe_key = $6 AND NOT EXISTS (SELECT 1 FROM inserted)`,
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
    let row = result.rows[0];
    if (!row) {
      // A concurrent request with the same key committed after this statement's snapshot was
      // taken (the INSERT waited for it, the SELECT could not see it): read it now.
      const existing = await this.database.query<{ id: string }>(`SELECT id FROM ${table} WHERE dedupe_key = $1`, [dedupeKey]);
      row = { id: existing.rows[0].id, duplicate: true };
    }
    if (!row.duplicate) this.inbox.notify();
    return { eventId: String(row.id), duplicate: row.duplicate };
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
