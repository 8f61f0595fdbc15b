import type { PoolClient } from 'pg';
import { stringifyExact } from '../changes/lossless-json';
import type { ApplyResult, StoredEvent } from './event-applier';

/** How one claimed event ends its attempt. */
export interface EventSettlement {
  event: StoredEvent;
  status: 'processed' | 'stale' | 'failed' | 'dead';
  /** Failed attempts before this one (since the event was last queued). */
  retries: number;
  applied?: ApplyResult;
  error?: string;
  /** For `failed`: when to try again. */
  retryDelaySeconds?: number;
}

/**
 * Records the outcome of every event of a batch in one statement, in the batch's transaction:
 * applied events get their status and outcome (and, for fetched entities, the fetched body and
 * its business number); failed ones their error, one more retry and the time of the next attempt.
 */
export async function settleEvents(client: PoolClient, table: string, settlements: EventSettlement[]): Promise<void> {
  if (!settlements.length) return;
  // Built by hand: `outcome` and `fetched_body` are exact JSON already (numbers beyond a double).
  const rows = settlements.map((settlement) => {
    const { applied } = settlement;
    return (
      `{"id":${JSON.stringify(settlement.event.id)},"status":${JSON.stringify(settlement.status)}` +
      `,"outcome":${applied ? stringifyExact(applied.outcome) : 'null'}` +
      `,"fetched_body":${applied?.fetched?.body ?? 'null'}` +
      `,"purchase_order_number":${JSON.stringify(applied?.fetched?.purchaseOrderNumber ?? null)}` +
      `,"shipment_number":${JSON.stringify(applied?.fetched?.shipmentNumber ?? null)}` +
      `,"error":${JSON.stringify(settlement.error === undefined ? null : settlement.error.slice(0, 4000).replace(/\u0000/g, '\uFFFD'))}` +
      `,"delay":${settlement.retryDelaySeconds ?? 0}}`
    );
  });
  await client.query(
    `UPDATE ${table} AS e
        SET status = x.status,
            attempts = e.attempts + 1,
            outcome = CASE WHEN x.error IS NULL THEN x.outcome ELSE e.outcome END,
            processed_at = CASE WHEN x.error IS NULL THEN statement_timestamp() ELSE e.processed_at END,
            last_error = x.error,
            retries = CASE WHEN x.error IS NULL THEN e.retries ELSE e.retries + 1 END,
            available_at = CASE WHEN x.status = 'failed' THEN now() + x.delay * interval '1 second' ELSE e.available_at END,
            fetched_body = coalesce(x.fetched_body, e.fetched_body),
            purchase_order_number = coalesce(e.purchase_order_number, x.purchase_order_number),
            shipment_number = coalesce(e.shipment_number, x.shipment_number)
       FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, status text, outcome jsonb, fetched_body jsonb, purchase_order_number text,
                                              shipment_number text, error text, delay float8)
      WHERE e.id = x.id`,
    [`[${rows.join(',')}]`],
  );
}
