import { Pool, PoolClient } from 'pg';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../src/database/tradecloud-data-source';
import type { BenchContext, CpuCost, Row } from './context';
import { fmt, ratio } from './stats';

/**
 * The second processing baseline (issue 15, item 5): plain SQL that applies pre-stored webhook
 * events to the receiver's own tables, in batches, straight from the stored jsonb. It is what
 * this schema costs on this machine with nothing of the receiver around it: no job queue, no
 * change tracking (`changes`), no domain events, no body sent back to Node.js. The drain rate of
 * the receiver is reported against it (scenario 2).
 *
 * What it does per batch (one transaction, `synchronous_commit = off` as the issue allows for
 * processing; no hash or merge joins and no JIT, see {@link lockStatement}), batches taken in
 * queue order by {@link BareApplierOptions.workers} connections:
 * 1. per-entity advisory locks in a fixed (sorted) order, as the receiver serialises writers;
 * 2. the events' status (`processed`, or `stale` when a newer version is already stored),
 *    `attempts`, `processed_at`: the same non-HOT update of `webhook_events` the receiver makes;
 * 3. one upsert per table with the `lastUpdatedAt` guard (`WHERE stored < EXCLUDED`), from the
 *    newest version of each key in the batch (`DISTINCT ON`, so ON CONFLICT never meets one row
 *    twice);
 * 4. the delivery schedules and delivery history of every written line replaced (delete, then
 *    insert), like the receiver does.
 *
 * It writes the same tables, the same rows and every indexed column exactly as the receiver
 * does (so index maintenance is the same), and the other SQL-model columns with the same rules
 * for these bodies. Left out, on purpose or because the benchmark's bodies never need it:
 * - `changes` rows, domain events, the job queue, `webhook_events.outcome` (left NULL);
 * - documents (the benchmark's bodies carry none);
 * - `singleDeliveryOrderEvent`, `orderDocumentsEvent` and GET (`orderId`/`shipmentId`) bodies:
 *   only `orderEvent` (delivery-schedule mode) and `shipment` bodies are applied;
 * - the type checks the receiver's mappers make on values that are not validated (a number
 *   where text is expected, a malformed date): here a cast fails the batch instead;
 * - `orders.last_event_id` when only lines changed (the receiver's touchOrder): the benchmark's
 *   versions always change header and lines together;
 * - the purchase-order locks that serialise linking shipment lines with order lines processed
 *   at the same moment: here orders are applied before shipments, never concurrently. Shipment
 *   lines are linked to the stored order line in their upsert instead of by an UPDATE afterwards;
 * - a shipment line listed again after it was removed with the same `lastUpdatedAt` (the
 *   receiver's `<=` guard for shipment lines): the guard is `<` everywhere.
 */
export interface BareApplierOptions {
  /** Events per transaction. */
  batchSize: number;
  /** Connections applying batches in parallel (4; the receiver's default is 2 worker loops). */
  workers: number;
}

export const BARE_APPLIER_DEFAULTS: BareApplierOptions = { batchSize: 50, workers: 4 };

export type BareEventKind = 'orderEvent' | 'shipment';

/** The SQL statements of one batch, by name; their summed client-side time is reported (`lock` includes waiting for the batches it overlaps). */
export type BareStep = 'lock' | 'status' | 'header' | 'lines' | 'schedules' | 'commit';

export interface BareApplyResult {
  events: number;
  batches: number;
  /** Wall clock from the first batch's BEGIN to the last COMMIT. */
  seconds: number;
  /** events / seconds. */
  perSecond: number;
  counts: { processed: number; stale: number };
  /** Client-side time spent in each statement, summed over all batches and workers (ms). */
  stepMs: Record<BareStep, number>;
  options: BareApplierOptions;
}

/** Advisory-lock namespaces of their own: the receiver's (0x7443_0001/2) may hold the same ids in another schema. */
const LOCK_NAMESPACE: Record<BareEventKind, number> = { orderEvent: 0x7443_00b1, shipment: 0x7443_00b2 };

/** A timestamp text as a date column takes it (`yyyy-mm-dd`), else NULL: the receiver's `localDate`. */
const date = (expression: string) => `CASE WHEN (${expression}) ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN (${expression})::date END`;

/**
 * Applies the events `ids` (already in `<schema>.webhook_events`, status `pending`, all of kind
 * `kind`) and returns how fast. `ids` is the queue order (the order the events were received
 * in; ids of events stored by parallel inserts need not ascend with it). Batches are consecutive
 * slices of it, taken by the workers as they finish the previous one: a queue claiming the
 * oldest pending events, without the cost of the claim query.
 */
export async function applyBare(pool: Pool, schema: string, kind: BareEventKind, ids: string[], options: BareApplierOptions = BARE_APPLIER_DEFAULTS): Promise<BareApplyResult> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const sql = bareBatchStatements(schema, kind);
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += options.batchSize) batches.push(ids.slice(start, start + options.batchSize));
  const batchCount = batches.length;
  const stepMs: Record<BareStep, number> = { lock: 0, status: 0, header: 0, lines: 0, schedules: 0, commit: 0 };
  const counts = { processed: 0, stale: 0 };

  // Connections are opened before the clock starts: the rate is the applying, not the connecting.
  const clients: PoolClient[] = [];
  try {
    for (let i = 0; i < options.workers; i++) clients.push(await pool.connect());
    const timed = async (client: PoolClient, step: BareStep, text: string, values?: unknown[]) => {
      const started = performance.now();
      const result = await client.query(text, values);
      stepMs[step] += performance.now() - started;
      return result;
    };
    // Batches take their locks in batch order (each asks once the previous one holds its own):
    // an older version never overtakes a newer one of the same entity, as with a queue worked in
    // order, so no event ends stale merely because the batches raced (small runs share entities).
    let lockTurn = Promise.resolve();
    let failed = false;
    const work = async (client: PoolClient) => {
      for (let batch = batches.shift(); batch && !failed; batch = batches.shift()) {
        const previous = lockTurn;
        let locked!: () => void;
        lockTurn = new Promise((resolve) => (locked = resolve));
        await client.query('BEGIN');
        try {
          try {
            const started = performance.now();
            await previous;
            stepMs.lock += performance.now() - started;
            await timed(client, 'lock', sql.lock, [batch, LOCK_NAMESPACE[kind]]);
          } finally {
            locked();
          }
          const status = await timed(client, 'status', sql.status, [batch]);
          for (const row of status.rows as { status: string }[]) counts[row.status === 'stale' ? 'stale' : 'processed']++;
          await timed(client, 'header', sql.header, [batch]);
          await timed(client, 'lines', sql.lines, [batch]);
          if (sql.schedules) await timed(client, 'schedules', sql.schedules, [batch]);
          await timed(client, 'commit', 'COMMIT');
        } catch (error) {
          failed = true;
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    };
    const started = performance.now();
    const outcomes = await Promise.allSettled(clients.map(work));
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    const seconds = (performance.now() - started) / 1000;
    const events = counts.processed + counts.stale;
    return { events, batches: batchCount, seconds, perSecond: seconds > 0 ? events / seconds : NaN, counts, stepMs, options };
  } finally {
    for (const client of clients) client.release();
  }
}

/** The statements of one batch (parameters: `$1` the batch's event ids, `$2` the lock namespace for `lock`), e.g. to EXPLAIN them. */
export function bareBatchStatements(schema: string, kind: BareEventKind): BatchStatements {
  return kind === 'orderEvent' ? orderStatements(`"${schema}"`) : shipmentStatements(`"${schema}"`);
}

export interface BatchStatements {
  lock: string;
  status: string;
  header: string;
  lines: string;
  schedules?: string;
}

/**
 * Locks the batch's entities (`entity_id`: the order or shipment id the intake stored) in sorted
 * order, and sets the transaction's settings. Hash and merge joins are turned off: every
 * statement joins the batch's few hundred keys with tables of up to millions of rows, and the
 * planner, which counts 100 rows per `jsonb_array_elements` call and knows nothing of a CTE's
 * size, otherwise sorts or hashes the whole of `delivery_lines` or `order_lines` (150 ms for a
 * batch at 20,000 events instead of a few ms). Nested loops over the primary keys are what the
 * receiver's per-key statements do. JIT is off for the same reason: those estimates put the
 * shipment statements far above `jit_above_cost`, and compiling them took about 1 s per statement
 * (a shipment batch went from 1.7 s to a few tens of ms without it).
 */
function lockStatement(s: string): string {
  return `SELECT set_config('synchronous_commit', 'off', true), set_config('enable_hashjoin', 'off', true),
                 set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true),
                 (SELECT count(pg_advisory_xact_lock($2, hashtext(k)))
                    FROM (SELECT DISTINCT entity_id AS k FROM ${s}.webhook_events WHERE id = ANY($1::bigint[]) ORDER BY 1) keys) AS locked`;
}

/** `processed`, or `stale` when a newer version than the event's is already stored (equal is a repeat: processed). */
function statusStatement(s: string, table: string, match: string, path: string): string {
  return `UPDATE ${s}.webhook_events e
             SET status = CASE WHEN EXISTS (SELECT 1 FROM ${s}.${table} x
                                             WHERE ${match} AND x.last_updated_at > (e.body #>> '${path}')::timestamptz)
                               THEN 'stale' ELSE 'processed' END,
                 attempts = e.attempts + 1, processed_at = now(), last_error = NULL
           WHERE e.id = ANY($1::bigint[]) AND e.status = 'pending'
       RETURNING e.status`;
}

function orderStatements(s: string): BatchStatements {
  // The batch's order events, each body detoasted once.
  const events = `events AS MATERIALIZED (
      SELECT e.id, e.body -> 'orderEvent' AS o FROM ${s}.webhook_events e WHERE e.id = ANY($1::bigint[]))`;
  const price = (prices: string) => `(${prices} #>> '{netPrice,priceInTransactionCurrency,value}')::numeric`;
  return {
    lock: lockStatement(s),
    status: statusStatement(s, 'orders', 'x.order_id = e.entity_id::uuid', '{orderEvent,lastUpdatedAt}'),
    header: `
      WITH ${events},
      newest AS (
        SELECT DISTINCT ON (order_id) id, o, order_id, last_updated_at
          FROM (SELECT id, o, (o ->> 'orderId')::uuid AS order_id, (o ->> 'lastUpdatedAt')::timestamptz AS last_updated_at FROM events) v
         ORDER BY order_id, last_updated_at DESC, id DESC)
      INSERT INTO ${s}.orders AS stored
        (order_id, purchase_order_number, buyer_company_id, supplier_company_id, supplier_account_number,
         process_status, logistics_status, version, last_updated_at, header, last_event_id,
         order_type, description, issued_at, supplier_name, incoterms_code, payment_terms_code)
      SELECT n.order_id, n.o #>> '{buyerOrder,purchaseOrderNumber}', (n.o #>> '{buyerOrder,companyId}')::uuid,
             (n.o #>> '{supplierOrder,companyId}')::uuid, n.o #>> '{buyerOrder,supplierAccountNumber}',
             n.o #>> '{status,processStatus}', n.o #>> '{status,logisticsStatus}', (n.o ->> 'version')::int, n.last_updated_at,
             n.o - 'lines', n.id,
             coalesce(n.o #>> '{buyerOrder,orderType}', 'Purchase'), n.o #>> '{buyerOrder,description}',
             -- erpIssueDateTime is a local date-time: taken as UTC (the receiver's issueTime, offsets not handled here).
             (n.o #>> '{buyerOrder,erpIssueDateTime}')::timestamp AT TIME ZONE 'UTC',
             n.o #>> '{buyerOrder,supplierParty,names,0}', n.o #>> '{buyerOrder,terms,incotermsCode}',
             n.o #>> '{buyerOrder,terms,paymentTermsCode}'
        FROM newest n
       ORDER BY n.order_id
      ON CONFLICT (order_id) DO UPDATE SET
        purchase_order_number = EXCLUDED.purchase_order_number, buyer_company_id = EXCLUDED.buyer_company_id,
        supplier_company_id = EXCLUDED.supplier_company_id, supplier_account_number = EXCLUDED.supplier_account_number,
        process_status = EXCLUDED.process_status, logistics_status = EXCLUDED.logistics_status, version = EXCLUDED.version,
        last_updated_at = EXCLUDED.last_updated_at, header = EXCLUDED.header, last_event_id = EXCLUDED.last_event_id,
        order_type = EXCLUDED.order_type, description = EXCLUDED.description, issued_at = EXCLUDED.issued_at,
        supplier_name = EXCLUDED.supplier_name, incoterms_code = EXCLUDED.incoterms_code,
        payment_terms_code = EXCLUDED.payment_terms_code, updated_at = now()
      WHERE stored.last_updated_at < EXCLUDED.last_updated_at`,
    // The lines (newest version of each in the batch) with the guard; the schedules and history of the lines written are deleted in the same statement.
    lines: `
      WITH ${events},
      source AS (
        SELECT DISTINCT ON (order_id, line_id) event_id, order_id, line_id, last_updated_at, line
          FROM (SELECT ev.id AS event_id, (ev.o ->> 'orderId')::uuid AS order_id, (l.line ->> 'id')::uuid AS line_id,
                       (l.line ->> 'lastUpdatedAt')::timestamptz AS last_updated_at, l.line
                  FROM events ev CROSS JOIN LATERAL jsonb_array_elements(ev.o -> 'lines') AS l(line)) v
         ORDER BY order_id, line_id, last_updated_at DESC, event_id DESC),
      written AS (
        INSERT INTO ${s}.order_lines AS stored
          (order_id, line_id, position, original_position, line_type, item_number, description, process_status,
           in_progress_status, logistics_status, net_price, currency, price_unit_quantity, last_updated_at, line, last_event_id,
           buyer_net_price, confirmed_net_price, proposed_net_price, gross_price, discount_percentage, price_unit_of_measure,
           purchase_unit_of_measure, supplier_sales_order_number, supplier_sales_order_position, delivered, shipped, completed,
           cancelled, no_delivery_expected, delivery_overdue, proposal_reason, open_quantity)
        SELECT x.order_id, x.line_id, nullif(x.line #>> '{buyerLine,position}', ''), x.line #>> '{buyerLine,originalPosition}',
               coalesce(x.line ->> 'lineType', 'Item'), x.line #>> '{buyerLine,item,number}',
               coalesce(x.line #>> '{buyerLine,description}', x.line #>> '{buyerLine,item,name}'),
               x.line #>> '{status,processStatus}', x.line #>> '{status,inProgressStatus}', x.line #>> '{status,logisticsStatus}',
               ${price("x.line -> 'prices'")}, x.line #>> '{prices,netPrice,priceInTransactionCurrency,currencyIso}',
               (x.line #>> '{prices,priceUnitQuantity}')::numeric, x.last_updated_at, x.line, x.event_id,
               ${price("x.line #> '{buyerLine,prices}'")}, ${price("x.line #> '{confirmedLine,prices}'")},
               ${price("x.line -> 'pricesIncludingRequests'")},
               (x.line #>> '{prices,grossPrice,priceInTransactionCurrency,value}')::numeric,
               (x.line #>> '{prices,discountPercentage}')::numeric, x.line #>> '{prices,priceUnitOfMeasureIso}',
               x.line #>> '{buyerLine,item,purchaseUnitOfMeasureIso}', x.line #>> '{supplierLine,salesOrderNumber}',
               coalesce(x.line #>> '{supplierLine,salesOrderPosition}', x.line #>> '{supplierLine,salesOrderLinePosition}'),
               (x.line #>> '{buyerLine,indicators,delivered}')::boolean, (x.line #>> '{buyerLine,indicators,shipped}')::boolean,
               (x.line #>> '{buyerLine,indicators,completed}')::boolean, (x.line #>> '{buyerLine,indicators,cancelled}')::boolean,
               (x.line #>> '{buyerLine,indicators,noDeliveryExpected}')::boolean, (x.line #>> '{indicators,deliveryOverdue}')::boolean,
               x.line #>> '{supplierLine,requests,proposal,reason}',
               -- Open quantity: the current schedule's entries not Delivered (NULL when none has a quantity).
               (SELECT sum((d ->> 'quantity')::numeric) FROM jsonb_array_elements(
                       CASE WHEN jsonb_typeof(x.line -> 'deliverySchedule') = 'array' THEN x.line -> 'deliverySchedule' ELSE '[]' END) d
                 WHERE d ->> 'status' IS DISTINCT FROM 'Delivered')
          FROM source x
         ORDER BY x.order_id, x.line_id
        ON CONFLICT (order_id, line_id) DO UPDATE SET
          position = EXCLUDED.position, original_position = EXCLUDED.original_position, line_type = EXCLUDED.line_type,
          item_number = EXCLUDED.item_number, description = EXCLUDED.description, process_status = EXCLUDED.process_status,
          in_progress_status = EXCLUDED.in_progress_status, logistics_status = EXCLUDED.logistics_status,
          net_price = EXCLUDED.net_price, currency = EXCLUDED.currency, price_unit_quantity = EXCLUDED.price_unit_quantity,
          last_updated_at = EXCLUDED.last_updated_at, line = EXCLUDED.line, last_event_id = EXCLUDED.last_event_id,
          buyer_net_price = EXCLUDED.buyer_net_price, confirmed_net_price = EXCLUDED.confirmed_net_price,
          proposed_net_price = EXCLUDED.proposed_net_price, gross_price = EXCLUDED.gross_price,
          discount_percentage = EXCLUDED.discount_percentage, price_unit_of_measure = EXCLUDED.price_unit_of_measure,
          purchase_unit_of_measure = EXCLUDED.purchase_unit_of_measure,
          supplier_sales_order_number = EXCLUDED.supplier_sales_order_number,
          supplier_sales_order_position = EXCLUDED.supplier_sales_order_position,
          delivered = EXCLUDED.delivered, shipped = EXCLUDED.shipped, completed = EXCLUDED.completed,
          cancelled = EXCLUDED.cancelled, no_delivery_expected = EXCLUDED.no_delivery_expected,
          delivery_overdue = EXCLUDED.delivery_overdue, proposal_reason = EXCLUDED.proposal_reason,
          open_quantity = EXCLUDED.open_quantity, updated_at = now()
        WHERE stored.last_updated_at < EXCLUDED.last_updated_at
        RETURNING order_id, line_id),
      history AS (
        DELETE FROM ${s}.delivery_history h USING written w WHERE h.order_id = w.order_id AND h.line_id = w.line_id)
      DELETE FROM ${s}.delivery_lines d USING written w WHERE d.order_id = w.order_id AND d.line_id = w.line_id`,
    // The new schedules and history of the lines this batch wrote: those whose last_event_id is the event they came from.
    schedules: `
      WITH ${events},
      fresh AS MATERIALIZED (
        SELECT ol.order_id, ol.line_id, l.line
          FROM events ev CROSS JOIN LATERAL jsonb_array_elements(ev.o -> 'lines') AS l(line)
          JOIN ${s}.order_lines ol
            ON ol.order_id = (ev.o ->> 'orderId')::uuid AND ol.line_id = (l.line ->> 'id')::uuid AND ol.last_event_id = ev.id),
      history AS (
        INSERT INTO ${s}.delivery_history (order_id, line_id, seq, position, date, quantity)
        SELECT f.order_id, f.line_id, (h.ord - 1)::int, h.entry ->> 'position', ${date("h.entry ->> 'date'")}, (h.entry ->> 'quantity')::numeric
          FROM fresh f
         CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(f.line #> '{buyerLine,deliveryHistory}') = 'array'
                                                      THEN f.line #> '{buyerLine,deliveryHistory}' ELSE '[]' END) WITH ORDINALITY AS h(entry, ord))
      INSERT INTO ${s}.delivery_lines (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
      SELECT f.order_id, f.line_id, sc.schedule, (x.ord - 1)::int, x.entry ->> 'position', ${date("x.entry ->> 'date'")},
             (x.entry ->> 'quantity')::numeric, x.entry ->> 'status', ${date("x.entry ->> 'etd'")}, ${date("x.entry ->> 'eta'")},
             x.entry ->> 'transportMode'
        FROM fresh f
       CROSS JOIN LATERAL (VALUES ('current', f.line -> 'deliverySchedule'),
                                  ('current_incl_requests', f.line -> 'deliveryScheduleIncludingRequests'),
                                  ('requested', f.line #> '{buyerLine,deliverySchedule}'),
                                  ('confirmed', f.line #> '{confirmedLine,deliverySchedule}')) AS sc(schedule, entries)
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(sc.entries) = 'array' THEN sc.entries ELSE '[]' END)
             WITH ORDINALITY AS x(entry, ord)`,
  };
}

function shipmentStatements(s: string): BatchStatements {
  const events = `events AS MATERIALIZED (
      SELECT e.id, e.body -> 'shipment' AS sh FROM ${s}.webhook_events e WHERE e.id = ANY($1::bigint[]))`;
  const newest = `newest AS MATERIALIZED (
      SELECT DISTINCT ON (shipment_id) id, sh, shipment_id, last_updated_at
        FROM (SELECT id, sh, sh ->> 'id' AS shipment_id, (sh #>> '{meta,lastUpdatedAt}')::timestamptz AS last_updated_at FROM events) v
       ORDER BY shipment_id, last_updated_at DESC, id DESC)`;
  // Every line of a shipment version: `lines[]` and each load carrier's `lines[]` (with the carrier's container and package).
  const lineRows = (from: string) => `
      SELECT ev.id AS event_id, ev.sh ->> 'id' AS shipment_id, ev.sh #>> '{buyerShipment,companyId}' AS buyer_company_id,
             l.line, NULL AS container_number, NULL AS container_size_and_type, NULL AS package_sscc, NULL AS package_type,
             coalesce(l.line #>> '{meta,lastUpdatedAt}', ev.sh #>> '{meta,lastUpdatedAt}')::timestamptz AS last_updated_at
        FROM ${from} ev CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(ev.sh -> 'lines') = 'array' THEN ev.sh -> 'lines' ELSE '[]' END) AS l(line)
      UNION ALL
      SELECT ev.id, ev.sh ->> 'id', ev.sh #>> '{buyerShipment,companyId}', cl.line, c.carrier ->> 'containerNumber',
             c.carrier ->> 'containerSizeAndType', c.carrier ->> 'packageSSCC', c.carrier ->> 'packageType',
             coalesce(cl.line #>> '{meta,lastUpdatedAt}', ev.sh #>> '{meta,lastUpdatedAt}')::timestamptz
        FROM ${from} ev
       CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(ev.sh -> 'loadCarriers') = 'array' THEN ev.sh -> 'loadCarriers' ELSE '[]' END) AS c(carrier)
       CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(c.carrier -> 'lines') = 'array' THEN c.carrier -> 'lines' ELSE '[]' END) AS cl(line)`;
  return {
    lock: lockStatement(s),
    status: statusStatement(s, 'shipments', 'x.shipment_id = e.entity_id', '{shipment,meta,lastUpdatedAt}'),
    // The header (newest version per shipment, with the guard); the stored lines a newer version no longer lists are marked removed.
    header: `
      WITH ${events}, ${newest},
      written AS (
        INSERT INTO ${s}.shipments AS stored
          (shipment_id, shipment_number, supplier_company_id, buyer_company_id, process_status, process_status_reason,
           transport_mode, last_updated_at, shipment, last_event_id, etd, atd, eta_start, eta_end, ata,
           departure_location_id, destination_location_id, bill_of_lading_number, tracking_number,
           carrier_shipment_number, invoice_numbers)
        SELECT n.shipment_id, n.sh #>> '{supplierShipment,shipmentNumber}', (n.sh #>> '{supplierShipment,companyId}')::uuid,
               (n.sh #>> '{buyerShipment,companyId}')::uuid, n.sh #>> '{status,processStatus}', n.sh #>> '{status,processStatusReason}',
               n.sh ->> 'transportMode', n.last_updated_at, n.sh, n.id,
               ${date("n.sh #>> '{locations,departure,etdDate}'")}, ${date("n.sh #>> '{locations,departure,atdDate}'")},
               ${date("n.sh #>> '{locations,destinations,0,etaStartDate}'")}, ${date("n.sh #>> '{locations,destinations,0,etaEndDate}'")},
               ${date("n.sh #>> '{locations,destinations,0,ataDate}'")},
               n.sh #>> '{locations,departure,location,id}', n.sh #>> '{locations,destinations,0,location,id}',
               n.sh #>> '{identifiers,billOfLadingNumber}', n.sh #>> '{identifiers,trackingNumber}',
               n.sh #>> '{identifiers,carrierShipmentNumber}',
               CASE WHEN jsonb_typeof(n.sh #> '{supplierShipment,invoiceNumbers}') = 'array'
                    THEN ARRAY(SELECT v #>> '{}' FROM jsonb_array_elements(n.sh #> '{supplierShipment,invoiceNumbers}') v
                                WHERE jsonb_typeof(v) = 'string') END
          FROM newest n
         ORDER BY n.shipment_id
        ON CONFLICT (shipment_id) DO UPDATE SET
          shipment_number = EXCLUDED.shipment_number, supplier_company_id = EXCLUDED.supplier_company_id,
          buyer_company_id = EXCLUDED.buyer_company_id, process_status = EXCLUDED.process_status,
          process_status_reason = EXCLUDED.process_status_reason, transport_mode = EXCLUDED.transport_mode,
          last_updated_at = EXCLUDED.last_updated_at, shipment = EXCLUDED.shipment, last_event_id = EXCLUDED.last_event_id,
          etd = EXCLUDED.etd, atd = EXCLUDED.atd, eta_start = EXCLUDED.eta_start, eta_end = EXCLUDED.eta_end, ata = EXCLUDED.ata,
          departure_location_id = EXCLUDED.departure_location_id, destination_location_id = EXCLUDED.destination_location_id,
          bill_of_lading_number = EXCLUDED.bill_of_lading_number, tracking_number = EXCLUDED.tracking_number,
          carrier_shipment_number = EXCLUDED.carrier_shipment_number, invoice_numbers = EXCLUDED.invoice_numbers,
          updated_at = now()
        WHERE stored.last_updated_at < EXCLUDED.last_updated_at
        RETURNING shipment_id),
      listed AS MATERIALIZED (
        SELECT x.shipment_id, x.event_id,
               array_agg((x.line #>> '{supplierLine,despatchAdviceNumber}') || chr(31) || (x.line #>> '{supplierLine,despatchAdviceLinePosition}')) AS keys
          FROM (${lineRows('newest')}) x
         WHERE x.shipment_id IN (SELECT shipment_id FROM written)
         GROUP BY x.shipment_id, x.event_id)
      -- The stored lines are found by the primary key's prefix (= ANY of an array): as a join, the planner scans all of them.
      -- \`listed\` is materialized: as the inner side of the nested loop it is read again for every stored line.
      UPDATE ${s}.shipment_lines sl SET removed_at = now(), updated_at = now(), last_event_id = g.event_id
        FROM listed g
       WHERE sl.shipment_id = ANY (ARRAY(SELECT shipment_id FROM written)) AND sl.shipment_id = g.shipment_id AND sl.removed_at IS NULL
         AND NOT (sl.despatch_advice_number || chr(31) || sl.despatch_advice_line_position = ANY (g.keys))`,
    // The lines (newest version of each in the batch) with the guard, linked to the order line they deliver when it is stored.
    lines: `
      WITH ${events},
      source AS (
        SELECT DISTINCT ON (shipment_id, despatch_advice_number, despatch_advice_line_position) *
          FROM (SELECT v.*, v.line #>> '{supplierLine,despatchAdviceNumber}' AS despatch_advice_number,
                       v.line #>> '{supplierLine,despatchAdviceLinePosition}' AS despatch_advice_line_position
                  FROM (${lineRows('events')}) v) w
         ORDER BY shipment_id, despatch_advice_number, despatch_advice_line_position, last_updated_at DESC, event_id DESC)
      INSERT INTO ${s}.shipment_lines AS stored
        (shipment_id, despatch_advice_number, despatch_advice_line_position, purchase_order_number,
         purchase_order_line_position, delivery_schedule_position, order_id, line_id, item_number, despatch_quantity,
         backorder_quantity, container_number, package_sscc, last_updated_at, line, last_event_id,
         container_size_and_type, package_type)
      SELECT x.shipment_id, x.despatch_advice_number, x.despatch_advice_line_position, x.line ->> 'purchaseOrderNumber',
             x.line ->> 'purchaseOrderLinePosition', x.line ->> 'deliverySchedulePosition', link.order_id, link.line_id,
             x.line #>> '{item,buyerItemNumber}', (x.line #>> '{supplierLine,despatchQuantity}')::numeric,
             (x.line #>> '{supplierLine,backorderQuantity}')::numeric, x.container_number, x.package_sscc,
             x.last_updated_at, x.line, x.event_id, x.container_size_and_type, x.package_type
        FROM source x
        LEFT JOIN LATERAL (
          SELECT o.order_id, ol.line_id
            FROM ${s}.orders o JOIN ${s}.order_lines ol ON ol.order_id = o.order_id
           WHERE o.purchase_order_number = x.line ->> 'purchaseOrderNumber'
             AND (x.buyer_company_id IS NULL OR o.buyer_company_id = x.buyer_company_id::uuid)
             AND ol.position = x.line ->> 'purchaseOrderLinePosition'
           LIMIT 1) link ON true
       ORDER BY x.shipment_id, x.despatch_advice_number, x.despatch_advice_line_position
      ON CONFLICT (shipment_id, despatch_advice_number, despatch_advice_line_position) DO UPDATE SET
        purchase_order_number = EXCLUDED.purchase_order_number,
        purchase_order_line_position = EXCLUDED.purchase_order_line_position,
        delivery_schedule_position = EXCLUDED.delivery_schedule_position, order_id = EXCLUDED.order_id,
        line_id = EXCLUDED.line_id, item_number = EXCLUDED.item_number,
        despatch_quantity = EXCLUDED.despatch_quantity, backorder_quantity = EXCLUDED.backorder_quantity,
        container_number = EXCLUDED.container_number, package_sscc = EXCLUDED.package_sscc,
        container_size_and_type = EXCLUDED.container_size_and_type, package_type = EXCLUDED.package_type,
        last_updated_at = EXCLUDED.last_updated_at, line = EXCLUDED.line, removed_at = NULL,
        last_event_id = EXCLUDED.last_event_id, updated_at = now()
      WHERE stored.last_updated_at < EXCLUDED.last_updated_at`,
  };
}

/** Per table: rows in the bare applier's schema, rows of the same keys in the receiver's, and bare rows with no equal receiver row. */
export interface TableComparison {
  table: string;
  bare: number;
  receiver: number;
  differing: number;
}

/** Columns never compared: who wrote a row and when. */
const UNCOMPARED = ['last_event_id', 'created_at', 'updated_at', 'removed_at'];

/**
 * Compares the bare applier's tables with the receiver's, restricted to the orders and shipments
 * the bare schema holds (the receiver's schema holds other scenarios' too): same row count per
 * table, and every bare row equal to a receiver row in every column but the bookkeeping ones.
 */
export async function compareWithReceiver(pool: Pool, bareSchema: string, receiverSchema: string): Promise<TableComparison[]> {
  const b = `"${bareSchema}"`;
  const r = `"${receiverSchema}"`;
  const tables: Array<{ table: string; scope: string }> = [
    { table: 'orders', scope: `order_id IN (SELECT order_id FROM ${b}.orders)` },
    { table: 'order_lines', scope: `order_id IN (SELECT order_id FROM ${b}.orders)` },
    { table: 'delivery_lines', scope: `order_id IN (SELECT order_id FROM ${b}.orders)` },
    { table: 'delivery_history', scope: `order_id IN (SELECT order_id FROM ${b}.orders)` },
    { table: 'shipments', scope: `shipment_id IN (SELECT shipment_id FROM ${b}.shipments)` },
    { table: 'shipment_lines', scope: `shipment_id IN (SELECT shipment_id FROM ${b}.shipments)` },
  ];
  const result: TableComparison[] = [];
  for (const { table, scope } of tables) {
    const columns = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [bareSchema, table],
    );
    const list = columns.rows.map((row) => `"${row.column_name}"`).filter((name) => !UNCOMPARED.includes(name.slice(1, -1))).join(', ');
    const counts = await pool.query<{ bare: string; receiver: string; differing: string }>(
      `SELECT (SELECT count(*) FROM ${b}.${table}) AS bare,
              (SELECT count(*) FROM ${r}.${table} WHERE ${scope}) AS receiver,
              (SELECT count(*) FROM (SELECT ${list} FROM ${b}.${table} EXCEPT ALL SELECT ${list} FROM ${r}.${table} WHERE ${scope}) d) AS differing`,
    );
    const row = counts.rows[0];
    result.push({ table, bare: Number(row.bare), receiver: Number(row.receiver), differing: Number(row.differing) });
  }
  return result;
}

/** What scenario 2 reports for one kind of events applied by the bare applier. */
export interface BareDrainFigures extends BareApplyResult {
  /** CPU of the benchmark process (the applier's client side) and of PostgreSQL while applying. */
  cpu: CpuCost;
}

/**
 * The bare applier inside scenario 2: a schema of its own made by the receiver's migrations
 * (same tables, same indexes), a copy of the events the receiver was given, applied there with
 * its own pool; {@link compare} checks that both wrote the same rows.
 */
export class BareApplierRun {
  private constructor(
    private readonly ctx: BenchContext,
    readonly schema: string,
    private readonly pool: Pool,
    readonly options: BareApplierOptions,
  ) {}

  static async open(ctx: BenchContext, options: BareApplierOptions = BARE_APPLIER_DEFAULTS): Promise<BareApplierRun> {
    const schema = ctx.db.newSchema('bare');
    const dataSource = new TradecloudDataSource(tradecloudDataSourceOptions({ url: ctx.db.url, schema, poolSize: 1, applicationName: 'tradecloud-bench' }));
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
    } finally {
      await dataSource.destroy();
    }
    // The application name keeps these statements out of the profile's statement log, like the benchmark's own pool.
    const pool = new Pool({ connectionString: ctx.db.url, max: options.workers, application_name: 'tradecloud-bench' });
    pool.on('error', () => undefined);
    return new BareApplierRun(ctx, schema, pool, options);
  }

  /**
   * Copies the events of `sourceSchema` whose message ids start with `tag` (as stored for the
   * receiver, bodies included) as pending events, then applies them and measures the drain.
   */
  async drain(sourceSchema: string, tag: string, kind: BareEventKind): Promise<BareDrainFigures> {
    const copied = await this.pool.query<{ id: string; message_id: string }>(
      `INSERT INTO "${this.schema}".webhook_events (received_at, endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body)
       SELECT received_at, endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body
         FROM "${sourceSchema}".webhook_events WHERE message_id LIKE $1 AND payload_kind = $2
       RETURNING id, message_id`,
      [`${tag.replace(/[\\%_]/g, '\\$&')}-%`, kind],
    );
    // The receiver's queue order: message ids are `<tag>-<seq>` (scenarios/processing.ts), and
    // the events were stored by parallel inserts, so neither table's ids follow it.
    const seq = (messageId: string) => Number(messageId.slice(tag.length + 1));
    const queued = copied.rows.sort((a, b) => seq(a.message_id) - seq(b.message_id)).map((row) => String(row.id));
    await this.pool.query(`ANALYZE "${this.schema}".webhook_events`);
    const ownStart = process.cpuUsage();
    const postgresStart = this.ctx.db.postgresCpuMs();
    const result = await applyBare(this.pool, this.schema, kind, queued, this.options);
    const own = process.cpuUsage(ownStart);
    return { ...result, cpu: { serverMs: (own.user + own.system) / 1000, postgresMs: this.ctx.db.postgresCpuMs() - postgresStart } };
  }

  compare(receiverSchema: string): Promise<TableComparison[]> {
    return compareWithReceiver(this.pool, this.schema, receiverSchema);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.ctx.db.dropSchema(this.schema).catch(() => undefined);
  }
}

/** The bare applier's figures of this run; undefined where it did not run or failed (see the notes). */
export interface BareFigures {
  options: BareApplierOptions;
  orders?: BareDrainFigures;
  shipments?: BareDrainFigures;
  /** Rows it wrote against the receiver's rows of the same orders and shipments. */
  tables?: TableComparison[];
}

/** The Baseline and Ratio cells of a receiver row (ratio = receiver / bare applier). */
export function bareColumns(receiverRate: number, bare: BareDrainFigures | undefined, value: (bare: BareDrainFigures) => string): Pick<Row, 'baseline' | 'ratio'> {
  return bare ? { baseline: value(bare), ratio: ratio(receiverRate, bare.perSecond) } : { baseline: 'n/a' };
}

/**
 * The bare applier inside scenario 2 (bench/scenarios/processing.ts): runs after each drain of
 * the receiver on a copy of the same events, then compares the tables. A failure of the baseline
 * is a note, not a failure of the scenario: the receiver's figures still stand, and the ratio
 * target reads "not measured".
 */
export class BareBaseline {
  readonly notes: string[] = [];
  private run?: BareApplierRun;
  private readonly figures: BareFigures;
  private failed = false;

  constructor(
    private readonly ctx: BenchContext,
    private readonly receiverSchema: string,
  ) {
    this.figures = { options: { batchSize: 0, workers: 0 } };
  }

  async drain(tag: string, kind: 'orderEvent' | 'shipment'): Promise<void> {
    if (this.failed) return;
    try {
      this.run ??= await BareApplierRun.open(this.ctx);
      this.figures.options = this.run.options;
      const figures = await this.run.drain(this.receiverSchema, tag, kind);
      this.figures[kind === 'orderEvent' ? 'orders' : 'shipments'] = figures;
      const steps = Object.entries(figures.stepMs)
        .filter(([, spent]) => spent > 0)
        .map(([step, spent]) => `${step} ${fmt((100 * spent) / Object.values(figures.stepMs).reduce((a, b) => a + b, 0), 0)} %`)
        .join(', ');
      this.ctx.log(`  bare applier, ${kind}: ${fmt(figures.perSecond)} events/s (${figures.events} events, ${figures.batches} batches in ${fmt(figures.seconds, 2)} s; ${steps})`);
      this.notes.push(`Bare applier, ${kind === 'orderEvent' ? 'order' : 'shipment'} events: statement time by step (client side, all connections): ${steps}.`);
    } catch (error) {
      this.failed = true;
      this.notes.push(`The bare applier failed (${kind}): ${(error as Error)?.message ?? error}. Its figures are missing.`);
      this.ctx.log(`  bare applier failed: ${(error as Error)?.stack ?? error}`);
    }
  }

  /** Applies the shipment events, compares the tables with the receiver's and drops the bare schema. */
  async finish(shipmentTag: string): Promise<BareFigures> {
    try {
      await this.drain(shipmentTag, 'shipment');
      if (this.run && !this.failed) {
        const tables = await this.run.compare(this.receiverSchema);
        this.figures.tables = tables;
        const unequal = tables.filter((table) => table.bare !== table.receiver || table.differing > 0);
        this.notes.push(
          unequal.length
            ? `The bare applier's rows differ from the receiver's: ${unequal.map((t) => `${t.table} ${t.bare} rows against ${t.receiver}, ${t.differing} not equal`).join('; ')}.`
            : `The bare applier wrote the same rows as the receiver (${tables.map((t) => `${t.table} ${fmt(t.bare)}`).join(', ')}; every column but last_event_id, created_at, updated_at, removed_at equal).`,
        );
      }
    } catch (error) {
      this.notes.push(`Comparing the bare applier's tables with the receiver's failed: ${(error as Error)?.message ?? error}.`);
    }
    return this.figures;
  }

  /** Ends its pool and drops its schema (idempotent). */
  async close(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    this.failed = true;
    await run?.close();
  }
}
