import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { QueryResultRow } from 'pg';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { InboxSignal } from '../queue/inbox-signal';
import { ReceivedBodies } from '../queue/received-bodies';
import { webhookDedupeKey } from './dedupe-key';
import { GroupCommit } from './group-commit';

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
  /**
   * `JSON.parse(rawText)`, as validation made it. Handed to this instance's workers with a large
   * body (and changed by them), dropped otherwise: the caller does not use it after `accept`.
   */
  parsed?: unknown;
  /** Overrides the default idempotency key (messageId, else a hash of the body). */
  dedupeKey?: string;
  /**
   * The body as received when `rawText` is its conversion (a tXML request): kept in `raw_body` and
   * hashed for the idempotency key. Its UTF-8 bytes are stored as they are (a text column's binary
   * input), so a large XML body is never decoded into one string.
   */
  originalBody?: string | Buffer;
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
  originalBody?: string | Buffer;
}

export interface IntakeResult {
  eventId: string;
  duplicate: boolean;
}

/** Events written together by one intake statement at most (under load; a lone request is written at once). */
const GROUP_MAX_EVENTS = 64;
/** Bytes of bodies in one intake statement at most; a larger body (a 5,000-line order) is written alone. */
const GROUP_MAX_BYTES = 2 * 1024 * 1024;
/** Intake statements running at once: each holds a pooled connection, which the workers share. */
const GROUP_WRITERS = 3;

/** The columns of an accepted event, in the INSERT's order. */
const EVENT_COLUMNS =
  'endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body, body_size, raw_body, purchase_order_number, shipment_number, acting_company_id';
const EVENT_PARAMETERS = EVENT_COLUMNS.split(', ').length;
const BODY_PARAMETER = EVENT_COLUMNS.split(', ').indexOf('body');

interface EventRow {
  dedupeKey: string;
  /** The INSERT's parameters, in {@link EVENT_COLUMNS} order. */
  values: unknown[];
  bytes: number;
  /** Called once the INSERT holding the row has been sent (the server is storing it). */
  sent?: () => void;
}

/**
 * The inbox. A valid event is committed to `webhook_events` (which is also the processing queue)
 * before the request is answered; a redelivery (same `meta.messageId`, else the same body on
 * the same endpoint) finds the stored event and does no work twice.
 */
@Injectable()
export class WebhookIntake {
  /**
   * Requests that arrive while earlier ones are being written are written together: one INSERT
   * and one commit for the group (issue 15: one durable write per request, at most).
   */
  private readonly groups = new GroupCommit<EventRow, IntakeResult>((rows) => this.insert(rows), {
    writers: GROUP_WRITERS,
    maxItems: GROUP_MAX_EVENTS,
    maxBytes: GROUP_MAX_BYTES,
    sizeOf: (row) => row.bytes,
    isItemError: isBodyDataError,
  });

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly inbox: InboxSignal,
    private readonly received: ReceivedBodies,
  ) {}

  /** Valid events waiting for an intake statement while earlier ones are being written. */
  get eventsWaiting(): number {
    return this.groups.waiting;
  }

  /**
   * Stores the event: committed before this resolves, synchronously (the 2xx promises that the
   * event is durable), in one INSERT with the events of concurrent requests. The inbox is also
   * the processing queue, so there is no job to write; a redelivery finds the stored event by its
   * key in the same statement.
   */
  async accept(event: IncomingEvent): Promise<IntakeResult> {
    const dedupeKey = event.dedupeKey || webhookDedupeKey(event.endpoint, event.messageId, event.originalBody ?? event.rawText);
    const values = [
      event.endpoint,
      event.payloadKind,
      event.eventName,
      event.entityId,
      event.messageId,
      dedupeKey,
      event.rawText,
      event.rawText.length,
      event.originalBody ?? null,
      event.purchaseOrderNumber ?? null,
      event.shipmentNumber ?? null,
      event.actingCompanyId ?? null,
    ];
    // A large body is parsed for this instance's workers while PostgreSQL stores it (see
    // ReceivedBody); a tXML one too, as its XML is held only as bytes (a 5,000-line order's peak
    // stays under 300 MB).
    const received = this.received.receive(event.rawText, event.parsed);
    // Not held while the INSERT runs: a small body's tree would outlive young collections.
    event.parsed = undefined;
    const parseAhead = received ? () => received.parseSoon() : undefined;
    let result: IntakeResult;
    try {
      result = await this.groups.write({
        dedupeKey,
        values,
        bytes: event.rawText.length + (event.originalBody?.length ?? 0),
        sent: parseAhead,
      });
    } catch (error) {
      received?.release();
      throw error;
    }
    if (result.duplicate) {
      received?.release();
    } else {
      if (received) this.received.keep(result.eventId, received);
      this.inbox.notify();
    }
    return result;
  }

  /**
   * One INSERT of a group's events (autocommit). Events of the group with the same key are one
   * delivery: the first is stored, the others are its duplicates. A key that was stored before is a
   * duplicate of the stored event.
   */
  private async insert(rows: EventRow[]): Promise<IntakeResult[]> {
    const table = this.database.table('webhook_events');
    const unique = new Map<string, EventRow>();
    for (const row of rows) if (!unique.has(row.dedupeKey)) unique.set(row.dedupeKey, row);
    // In key order: two statements that insert some of the same keys (concurrent redeliveries) then
    // wait for each other in one order and cannot deadlock. The requests of one group were in
    // flight at the same time, so their arrival order says nothing.
    const written = [...unique.values()].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
    const tuples = written.map((_, row) => {
      const parameters = Array.from({ length: EVENT_PARAMETERS }, (_, column) => `$${row * EVENT_PARAMETERS + column + 1}`);
      parameters[BODY_PARAMETER] += '::jsonb';
      return `(${parameters.join(', ')})`;
    });
    const keys = `$${written.length * EVENT_PARAMETERS + 1}::text[]`;
    const sent = written.flatMap((row) => (row.sent ? [row.sent] : []));
    const query = sent.length
      ? <R extends QueryResultRow>(text: string, values: unknown[]) => this.database.queryWhenSent<R>(text, values, () => sent.forEach((call) => call()))
      : <R extends QueryResultRow>(text: string, values: unknown[]) => this.database.query<R>(text, values);
    const result = await query<{ id: string; dedupe_key: string; duplicate: boolean }>(
      `WITH inserted AS (
         INSERT INTO ${table} (${EVENT_COLUMNS})
         VALUES ${tuples.join(', ')}
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, dedupe_key)
       SELECT id, dedupe_key, false AS duplicate FROM inserted
       UNION ALL
       SELECT id, dedupe_key, true FROM ${table}
        WHERE dedupe_key = ANY(${keys}) AND dedupe_key NOT IN (SELECT dedupe_key FROM inserted)`,
      [...written.flatMap((row) => row.values), written.map((row) => row.dedupeKey)],
    );
    const byKey = new Map(result.rows.map((row) => [row.dedupe_key, { eventId: String(row.id), duplicate: row.duplicate }]));
    const missing = written.filter((row) => !byKey.has(row.dedupeKey)).map((row) => row.dedupeKey);
    if (missing.length) {
      // A concurrent request with the same key committed after this statement's snapshot was
      // taken (the INSERT waited for it, the SELECT could not see it): read it now.
      const existing = await this.database.query<{ id: string; dedupe_key: string }>(
        `SELECT id, dedupe_key FROM ${table} WHERE dedupe_key = ANY($1::text[])`,
        [missing],
      );
      for (const row of existing.rows) byKey.set(row.dedupe_key, { eventId: String(row.id), duplicate: true });
    }
    const first = new Set<EventRow>(written);
    return rows.map((row) => {
      const stored = byKey.get(row.dedupeKey)!;
      return first.has(row) ? stored : { eventId: stored.eventId, duplicate: true };
    });
  }

  /** Keeps a request that failed validation, with status `rejected` and the reasons, for inspection and replay. */
  async reject(request: RejectedRequest): Promise<string> {
    const originalBody = Buffer.isBuffer(request.originalBody) ? request.originalBody.toString('utf8') : request.originalBody;
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
          asJson ? (originalBody ?? null) : textColumn(originalBody ?? request.rawText),
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
