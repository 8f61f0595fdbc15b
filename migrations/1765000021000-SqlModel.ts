import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateViews1764300005000 } from './1764300005000-CreateViews';
import { tradecloudSchema } from './migration-schema';

/**
 * The SQL model integrators query (README "SQL cookbook"): the values that were reachable only
 * by `jsonb` path digging, as columns that mean the same whatever the webhook mode
 * (`orderEvent`, `singleDeliveryOrderEvent`, GET order, polling).
 *
 * - `orders`: order type, description, the buyer's issue time, supplier name, incoterms and
 *   payment-terms codes.
 * - `order_lines`: buyer, confirmed and proposed net price, gross price, discount, price and
 *   purchase units, the supplier's sales order reference, the indicators, the proposal reason.
 * - `delivery_history`: the actual receipts of each line, replaced with the line like its
 *   delivery schedules.
 * - `shipments`: departure, arrival and ETA dates, locations, bill of lading, tracking and
 *   carrier shipment numbers, invoice numbers; `shipment_lines`: container size/type, package type.
 * - `webhook_events`: the purchase order (or shipment) number and the acting company
 *   (`meta.source.companyId`), so failed and dead events can be found by the number a user
 *   knows; `fetched_body`: the order or shipment a GET (or polled) event fetched, which
 *   `order_as_at` reads.
 * - The view `delivery_schedule_comparison`, the function `order_as_at`, and wider
 *   `order_lines_current`, `open_delivery_lines`, `shipment_lines_with_order`.
 *
 * Existing rows are backfilled from the jsonb they were built from, with the same rules as
 * `OrderSnapshotMapper` / `ShipmentSnapshotMapper` (the upgrade test compares the two).
 */
export class SqlModel1765000021000 implements MigrationInterface {
  name = 'SqlModel1765000021000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      ALTER TABLE ${s}.orders
        ADD COLUMN order_type         text,
        ADD COLUMN description        text,
        ADD COLUMN issued_at          timestamptz,
        ADD COLUMN supplier_name      text,
        ADD COLUMN incoterms_code     text,
        ADD COLUMN payment_terms_code text`);
    await queryRunner.query(`
      ALTER TABLE ${s}.order_lines
        ADD COLUMN buyer_net_price              numeric,
        ADD COLUMN confirmed_net_price          numeric,
        ADD COLUMN proposed_net_price           numeric,
        ADD COLUMN gross_price                  numeric,
        ADD COLUMN discount_percentage          numeric,
        ADD COLUMN price_unit_of_measure        text,
        ADD COLUMN purchase_unit_of_measure     text,
        ADD COLUMN supplier_sales_order_number  text,
        ADD COLUMN supplier_sales_order_position text,
        ADD COLUMN delivered                    boolean,
        ADD COLUMN shipped                      boolean,
        ADD COLUMN completed                    boolean,
        ADD COLUMN cancelled                    boolean,
        ADD COLUMN no_delivery_expected         boolean,
        ADD COLUMN delivery_overdue             boolean,
        ADD COLUMN proposal_reason              text,
        ADD COLUMN open_quantity                numeric`);
    await queryRunner.query(`
      CREATE TABLE ${s}.delivery_history (
        order_id uuid    NOT NULL,
        line_id  uuid    NOT NULL,
        seq      integer NOT NULL,
        position text,
        date     date,
        quantity numeric,
        CONSTRAINT delivery_history_pkey PRIMARY KEY (order_id, line_id, seq),
        CONSTRAINT delivery_history_line_fkey FOREIGN KEY (order_id, line_id)
          REFERENCES ${s}.order_lines (order_id, line_id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      ALTER TABLE ${s}.shipments
        ADD COLUMN etd                     date,
        ADD COLUMN atd                     date,
        ADD COLUMN eta_start               date,
        ADD COLUMN eta_end                 date,
        ADD COLUMN ata                     date,
        ADD COLUMN departure_location_id   text,
        ADD COLUMN destination_location_id text,
        ADD COLUMN bill_of_lading_number   text,
        ADD COLUMN tracking_number         text,
        ADD COLUMN carrier_shipment_number text,
        ADD COLUMN invoice_numbers         text[]`);
    await queryRunner.query(`
      ALTER TABLE ${s}.shipment_lines
        ADD COLUMN container_size_and_type text,
        ADD COLUMN package_type            text`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_events
        ADD COLUMN purchase_order_number text,
        ADD COLUMN shipment_number       text,
        ADD COLUMN acting_company_id     text,
        ADD COLUMN fetched_body          jsonb`);

    await this.backfill(queryRunner, s);

    // Each index serves a cookbook query (README "SQL cookbook").
    // "Open lines of one supplier", "delays of one supplier": orders of a supplier.
    await queryRunner.query(`CREATE INDEX orders_supplier_company_id_idx ON ${s}.orders (supplier_company_id)`);
    // "Open proposals": lines waiting in one in-progress state (most lines have none).
    await queryRunner.query(`
      CREATE INDEX order_lines_in_progress_status_idx ON ${s}.order_lines (in_progress_status)
        WHERE in_progress_status IS NOT NULL`);
    // "Failed and dead events of a purchase order".
    await queryRunner.query(`
      CREATE INDEX webhook_events_purchase_order_number_idx ON ${s}.webhook_events (purchase_order_number)
        WHERE purchase_order_number IS NOT NULL`);
    // "Containers arriving next week".
    await queryRunner.query(`CREATE INDEX shipments_eta_start_idx ON ${s}.shipments (eta_start)`);
    // "Unconfirmed lines N days after issue": orders issued before a date.
    await queryRunner.query(`CREATE INDEX orders_issued_at_idx ON ${s}.orders (issued_at)`);
    // "Received against scheduled": lines with a receipt in the last days.
    await queryRunner.query(`CREATE INDEX delivery_history_date_idx ON ${s}.delivery_history (date)`);
    // "Open order value per supplier and currency" reads every open line's open quantity and
    // price: from this index alone, without reading the wide rows (jsonb).
    await queryRunner.query(`
      CREATE INDEX order_lines_open_value_idx ON ${s}.order_lines (order_id)
        INCLUDE (currency, net_price, price_unit_quantity, open_quantity)
        WHERE open_quantity > 0 AND process_status NOT IN ('Cancelled', 'Completed', 'Rejected')`);
    // "Late deliveries of one supplier" (delivery_schedule_comparison): the lines of the
    // supplier's orders with the columns the view shows, from this index alone, not from the
    // wide rows (jsonb).
    await queryRunner.query(`
      CREATE INDEX order_lines_order_summary_idx ON ${s}.order_lines (order_id)
        INCLUDE (line_id, position, process_status, item_number)`);

    await this.createViews(queryRunner, s);
  }

  /** Fills the new columns of existing rows from their stored jsonb (same rules as the mappers). */
  private async backfill(queryRunner: QueryRunner, s: string): Promise<void> {
    // Conversions that give NULL instead of failing the migration on a value a column cannot hold.
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.tc_numeric(value jsonb) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN
        RETURN CASE WHEN jsonb_typeof(value) = 'number' THEN value::numeric END;
      EXCEPTION WHEN others THEN RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.tc_date(value text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN
        RETURN CASE WHEN value ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN value::date END;
      EXCEPTION WHEN others THEN RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.tc_issue_time(value text) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN
        IF value ~ '(Z|[+-]\\d{2}:?\\d{2})$' THEN RETURN value::timestamptz; END IF;
        RETURN value::timestamp AT TIME ZONE 'UTC';
      EXCEPTION WHEN others THEN RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.tc_flag(value jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN jsonb_typeof(value) = 'boolean' THEN value::boolean END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION pg_temp.tc_text(value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' END
      $$`);

    // A fetched order's header had `id` where events have `orderId`.
    await queryRunner.query(`
      UPDATE ${s}.orders
         SET header = jsonb_build_object('orderId', header -> 'id') || (header - 'id')
       WHERE NOT header ? 'orderId' AND header ? 'id'`);
    await queryRunner.query(`
      UPDATE ${s}.orders
         SET order_type         = coalesce(pg_temp.tc_text(header #> '{buyerOrder,orderType}'), 'Purchase'),
             description        = pg_temp.tc_text(header #> '{buyerOrder,description}'),
             issued_at          = pg_temp.tc_issue_time(pg_temp.tc_text(header #> '{buyerOrder,erpIssueDateTime}')),
             supplier_name      = pg_temp.tc_text(header #> '{buyerOrder,supplierParty,names,0}'),
             incoterms_code     = pg_temp.tc_text(header #> '{buyerOrder,terms,incotermsCode}'),
             payment_terms_code = pg_temp.tc_text(header #> '{buyerOrder,terms,paymentTermsCode}')`);

    // Single-delivery lines (with statusLine) keep their prices under statusLine.
    await queryRunner.query(`
      UPDATE ${s}.order_lines l
         SET buyer_net_price              = pg_temp.tc_numeric(l.line #> '{buyerLine,prices,netPrice,priceInTransactionCurrency,value}'),
             confirmed_net_price          = pg_temp.tc_numeric(l.line #> '{confirmedLine,prices,netPrice,priceInTransactionCurrency,value}'),
             proposed_net_price           = pg_temp.tc_numeric(p.incl_requests #> '{netPrice,priceInTransactionCurrency,value}'),
             gross_price                  = pg_temp.tc_numeric(p.current #> '{grossPrice,priceInTransactionCurrency,value}'),
             discount_percentage          = pg_temp.tc_numeric(p.current -> 'discountPercentage'),
             price_unit_of_measure        = pg_temp.tc_text(p.current -> 'priceUnitOfMeasureIso'),
             purchase_unit_of_measure     = pg_temp.tc_text(l.line #> '{buyerLine,item,purchaseUnitOfMeasureIso}'),
             supplier_sales_order_number  = pg_temp.tc_text(l.line #> '{supplierLine,salesOrderNumber}'),
             supplier_sales_order_position = coalesce(pg_temp.tc_text(l.line #> '{supplierLine,salesOrderPosition}'),
                                                      pg_temp.tc_text(l.line #> '{supplierLine,salesOrderLinePosition}')),
             delivered                    = pg_temp.tc_flag(l.line #> '{buyerLine,indicators,delivered}'),
             shipped                      = pg_temp.tc_flag(l.line #> '{buyerLine,indicators,shipped}'),
             completed                    = pg_temp.tc_flag(l.line #> '{buyerLine,indicators,completed}'),
             cancelled                    = pg_temp.tc_flag(l.line #> '{buyerLine,indicators,cancelled}'),
             no_delivery_expected         = pg_temp.tc_flag(l.line #> '{buyerLine,indicators,noDeliveryExpected}'),
             delivery_overdue             = pg_temp.tc_flag(l.line #> '{indicators,deliveryOverdue}'),
             proposal_reason              = pg_temp.tc_text(l.line #> '{supplierLine,requests,proposal,reason}')
        FROM (SELECT order_id, line_id,
                     CASE WHEN jsonb_typeof(line -> 'statusLine') = 'object' THEN line #> '{statusLine,prices}' ELSE line -> 'prices' END AS current,
                     CASE WHEN jsonb_typeof(line -> 'statusLine') = 'object' THEN line #> '{statusLine,pricesInclRequests}'
                          ELSE line -> 'pricesIncludingRequests' END AS incl_requests
                FROM ${s}.order_lines) p
       WHERE p.order_id = l.order_id AND p.line_id = l.line_id`);

    await queryRunner.query(`
      INSERT INTO ${s}.delivery_history (order_id, line_id, seq, position, date, quantity)
      SELECT l.order_id, l.line_id, (h.ord - 1)::int, pg_temp.tc_text(h.entry -> 'position'),
             pg_temp.tc_date(pg_temp.tc_text(h.entry -> 'date')), pg_temp.tc_numeric(h.entry -> 'quantity')
        FROM ${s}.order_lines l
       CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(l.line #> '{buyerLine,deliveryHistory}') = 'array' THEN l.line #> '{buyerLine,deliveryHistory}'
                    WHEN jsonb_typeof(l.line #> '{buyerLine,actualDelivery}') = 'object' THEN jsonb_build_array(l.line #> '{buyerLine,actualDelivery}')
                    ELSE '[]'::jsonb END) WITH ORDINALITY AS h(entry, ord)`);

    // Single-delivery lines get the requested and confirmed entries delivery-schedule lines had.
    await queryRunner.query(`
      INSERT INTO ${s}.delivery_lines (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
      SELECT l.order_id, l.line_id, x.schedule, (x.ord - 1)::int, pg_temp.tc_text(x.entry -> 'position'),
             pg_temp.tc_date(pg_temp.tc_text(x.entry -> 'date')), pg_temp.tc_numeric(x.entry -> 'quantity'),
             pg_temp.tc_text(x.entry -> 'status'), pg_temp.tc_date(pg_temp.tc_text(x.entry -> 'etd')),
             pg_temp.tc_date(pg_temp.tc_text(x.entry -> 'eta')), pg_temp.tc_text(x.entry -> 'transportMode')
        FROM ${s}.order_lines l
       CROSS JOIN LATERAL (
               SELECT 'requested' AS schedule, e.entry, e.ord
                 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(l.line #> '{buyerLine,scheduledDelivery}') = 'object'
                                                THEN jsonb_build_array(l.line #> '{buyerLine,scheduledDelivery}') ELSE '[]'::jsonb END)
                      WITH ORDINALITY AS e(entry, ord)
               UNION ALL
               SELECT 'confirmed', e.entry, e.ord
                 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(l.line #> '{confirmedLine,scheduledDelivery}') = 'object'
                                                THEN jsonb_build_array(l.line #> '{confirmedLine,scheduledDelivery}') ELSE '[]'::jsonb END)
                      WITH ORDINALITY AS e(entry, ord)
             ) x
       WHERE jsonb_typeof(l.line -> 'statusLine') = 'object'
          ON CONFLICT (order_id, line_id, schedule, seq) DO NOTHING`);

    // The open quantity of every line: its current entries not delivered (single-delivery lines included).
    await queryRunner.query(`
      UPDATE ${s}.order_lines l
         SET open_quantity = d.open_quantity
        FROM (SELECT order_id, line_id, sum(quantity) AS open_quantity FROM ${s}.delivery_lines
               WHERE schedule = 'current' AND status IS DISTINCT FROM 'Delivered' AND quantity IS NOT NULL
               GROUP BY order_id, line_id) d
       WHERE d.order_id = l.order_id AND d.line_id = l.line_id`);

    await queryRunner.query(`
      UPDATE ${s}.shipments
         SET etd                     = pg_temp.tc_date(pg_temp.tc_text(shipment #> '{locations,departure,etdDate}')),
             atd                     = pg_temp.tc_date(pg_temp.tc_text(shipment #> '{locations,departure,atdDate}')),
             eta_start               = pg_temp.tc_date(pg_temp.tc_text(shipment #> '{locations,destinations,0,etaStartDate}')),
             eta_end                 = pg_temp.tc_date(pg_temp.tc_text(shipment #> '{locations,destinations,0,etaEndDate}')),
             ata                     = pg_temp.tc_date(pg_temp.tc_text(shipment #> '{locations,destinations,0,ataDate}')),
             departure_location_id   = pg_temp.tc_text(shipment #> '{locations,departure,location,id}'),
             destination_location_id = pg_temp.tc_text(shipment #> '{locations,destinations,0,location,id}'),
             bill_of_lading_number   = pg_temp.tc_text(shipment #> '{identifiers,billOfLadingNumber}'),
             tracking_number         = pg_temp.tc_text(shipment #> '{identifiers,trackingNumber}'),
             carrier_shipment_number = pg_temp.tc_text(shipment #> '{identifiers,carrierShipmentNumber}'),
             invoice_numbers         = CASE WHEN jsonb_typeof(shipment #> '{supplierShipment,invoiceNumbers}') = 'array'
                                            THEN ARRAY(SELECT n #>> '{}' FROM jsonb_array_elements(shipment #> '{supplierShipment,invoiceNumbers}') n
                                                        WHERE jsonb_typeof(n) = 'string') END`);
    await queryRunner.query(`
      UPDATE ${s}.shipment_lines sl
         SET container_size_and_type = pg_temp.tc_text(c.carrier -> 'containerSizeAndType'),
             package_type            = pg_temp.tc_text(c.carrier -> 'packageType')
        FROM ${s}.shipments sh
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(sh.shipment -> 'loadCarriers') = 'array'
                                                    THEN sh.shipment -> 'loadCarriers' ELSE '[]'::jsonb END) AS c(carrier)
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(c.carrier -> 'lines') = 'array'
                                                    THEN c.carrier -> 'lines' ELSE '[]'::jsonb END) AS cl(line)
       WHERE sh.shipment_id = sl.shipment_id
         AND cl.line #>> '{supplierLine,despatchAdviceNumber}' = sl.despatch_advice_number
         AND cl.line #>> '{supplierLine,despatchAdviceLinePosition}' = sl.despatch_advice_line_position`);

    await queryRunner.query(`
      UPDATE ${s}.webhook_events
         SET purchase_order_number = coalesce(pg_temp.tc_text(body #> '{orderEvent,buyerOrder,purchaseOrderNumber}'),
                                              pg_temp.tc_text(body #> '{singleDeliveryOrderEvent,buyerOrder,purchaseOrderNumber}'),
                                              pg_temp.tc_text(body #> '{orderDocumentsEvent,buyerOrder,purchaseOrderNumber}')),
             shipment_number       = pg_temp.tc_text(body #> '{shipment,supplierShipment,shipmentNumber}'),
             acting_company_id     = coalesce(pg_temp.tc_text(body #> '{meta,source,companyId}'),
                                              pg_temp.tc_text(body #> '{orderEvent,meta,source,companyId}'),
                                              pg_temp.tc_text(body #> '{singleDeliveryOrderEvent,meta,source,companyId}'),
                                              pg_temp.tc_text(body #> '{orderDocumentsEvent,meta,source,companyId}'))
       WHERE jsonb_typeof(body) = 'object'`);
    // GET events carry only the id: the number of the order they fetched, where it is stored.
    await queryRunner.query(`
      UPDATE ${s}.webhook_events e
         SET purchase_order_number = o.purchase_order_number
        FROM ${s}.orders o
       WHERE e.payload_kind = 'orderId' AND e.purchase_order_number IS NULL AND e.entity_id = o.order_id::text`);
    await queryRunner.query(`
      UPDATE ${s}.webhook_events e
         SET shipment_number = sh.shipment_number
        FROM ${s}.shipments sh
       WHERE e.payload_kind = 'shipmentId' AND e.shipment_number IS NULL AND e.entity_id = sh.shipment_id`);

    for (const name of ['tc_numeric(jsonb)', 'tc_date(text)', 'tc_issue_time(text)', 'tc_flag(jsonb)', 'tc_text(jsonb)']) {
      await queryRunner.query(`DROP FUNCTION pg_temp.${name}`);
    }
  }

  private async createViews(queryRunner: QueryRunner, s: string): Promise<void> {
    // New columns are appended: CREATE OR REPLACE keeps views and grants that depend on these.
    await queryRunner.query(`
      CREATE OR REPLACE VIEW ${s}.order_lines_current AS
      SELECT o.order_id, o.purchase_order_number, o.buyer_company_id, o.supplier_company_id, o.supplier_account_number,
             o.process_status   AS order_process_status,
             o.logistics_status AS order_logistics_status,
             l.line_id, l.position, l.original_position, l.line_type, l.item_number, l.description,
             l.process_status, l.in_progress_status, l.logistics_status,
             l.net_price, l.currency, l.price_unit_quantity,
             schedule.delivery_count, schedule.total_quantity, schedule.first_date, schedule.last_date,
             schedule.next_open_date,
             l.last_updated_at,
             received.received_quantity, received.last_received_date,
             o.supplier_name, o.order_type, o.issued_at,
             l.buyer_net_price, l.confirmed_net_price, l.proposed_net_price, l.gross_price, l.discount_percentage,
             l.price_unit_of_measure, l.purchase_unit_of_measure,
             l.supplier_sales_order_number, l.supplier_sales_order_position, l.proposal_reason,
             l.delivered, l.shipped, l.completed, l.cancelled, l.no_delivery_expected, l.delivery_overdue, l.open_quantity
        FROM ${s}.orders o
        JOIN ${s}.order_lines l ON l.order_id = o.order_id
        LEFT JOIN LATERAL (
          SELECT count(*)::int AS delivery_count,
                 sum(d.quantity) AS total_quantity,
                 min(d.date) AS first_date,
                 max(d.date) AS last_date,
                 min(d.date) FILTER (WHERE d.status IS DISTINCT FROM 'Delivered') AS next_open_date
            FROM ${s}.delivery_lines d
           WHERE d.order_id = l.order_id AND d.line_id = l.line_id AND d.schedule = 'current'
        ) schedule ON true
        LEFT JOIN LATERAL (
          SELECT coalesce(sum(h.quantity), 0) AS received_quantity, max(h.date) AS last_received_date
            FROM ${s}.delivery_history h
           WHERE h.order_id = l.order_id AND h.line_id = l.line_id
        ) received ON true`);
    await queryRunner.query(`
      CREATE OR REPLACE VIEW ${s}.open_delivery_lines AS
      SELECT o.order_id, o.purchase_order_number, o.supplier_account_number,
             l.line_id, l.position AS line_position, l.item_number, l.description, l.process_status,
             d.seq, d.position AS delivery_position, d.date, d.quantity, d.status, d.etd, d.eta,
             o.supplier_company_id, l.net_price, l.currency, l.price_unit_quantity,
             d.quantity * l.net_price / coalesce(nullif(l.price_unit_quantity, 0), 1) AS open_amount
        FROM ${s}.delivery_lines d
        JOIN ${s}.order_lines l ON l.order_id = d.order_id AND l.line_id = d.line_id
        JOIN ${s}.orders o ON o.order_id = d.order_id
       WHERE d.schedule = 'current'
         AND d.status IS DISTINCT FROM 'Delivered'
         AND l.process_status IS DISTINCT FROM 'Cancelled'
         AND l.process_status IS DISTINCT FROM 'Completed'
         AND l.process_status IS DISTINCT FROM 'Rejected'`);
    await queryRunner.query(`
      CREATE OR REPLACE VIEW ${s}.shipment_lines_with_order AS
      SELECT sh.shipment_id, sh.shipment_number, sh.process_status AS shipment_process_status, sh.transport_mode,
             sl.despatch_advice_number, sl.despatch_advice_line_position,
             sl.purchase_order_number, sl.purchase_order_line_position, sl.delivery_schedule_position,
             sl.despatch_quantity, sl.backorder_quantity, sl.container_number, sl.package_sscc, sl.removed_at,
             sl.order_id, sl.line_id, l.item_number, l.description, l.process_status AS line_process_status,
             scheduled.date AS scheduled_date, scheduled.quantity AS scheduled_quantity,
             sh.etd, sh.atd, sh.eta_start, sh.eta_end, sh.ata, sl.container_size_and_type, sl.package_type
        FROM ${s}.shipment_lines sl
        JOIN ${s}.shipments sh ON sh.shipment_id = sl.shipment_id
        LEFT JOIN ${s}.order_lines l ON l.order_id = sl.order_id AND l.line_id = sl.line_id
        LEFT JOIN LATERAL (
          SELECT d.date, d.quantity FROM ${s}.delivery_lines d
           WHERE d.order_id = sl.order_id AND d.line_id = sl.line_id AND d.schedule = 'current'
             AND d.position = sl.delivery_schedule_position
           ORDER BY d.seq LIMIT 1
        ) scheduled ON true`);

    // One row per delivery entry of every line, the four schedules side by side. Entries are
    // matched by their delivery position, by their place in the schedule where a schedule has
    // none (single delivery, a supplier split). "current_date" would be the SQL keyword, so the
    // current schedule's date is current_delivery_date. The entries are grouped per line (LATERAL)
    // rather than all at once: a filter on the order, supplier or line selects the lines first,
    // and each line's few entries are grouped on their own (a third less work than one sort and
    // grouping of all the selected entries, README "SQL cookbook").
    await queryRunner.query(`
      CREATE VIEW ${s}.delivery_schedule_comparison AS
      SELECT o.order_id, l.line_id, o.purchase_order_number, l.position, e.delivery_position,
             e.requested_date, e.requested_quantity, e.confirmed_date, e.confirmed_quantity,
             e.proposed_date, e.proposed_quantity, e.current_delivery_date, e.current_quantity, e.days_late,
             o.supplier_company_id, l.process_status, l.item_number
        FROM ${s}.orders o
        JOIN ${s}.order_lines l ON l.order_id = o.order_id
       CROSS JOIN LATERAL (
          SELECT min(d.position) AS delivery_position,
                 min(d.date)     FILTER (WHERE d.schedule = 'requested')             AS requested_date,
                 sum(d.quantity) FILTER (WHERE d.schedule = 'requested')             AS requested_quantity,
                 min(d.date)     FILTER (WHERE d.schedule = 'confirmed')             AS confirmed_date,
                 sum(d.quantity) FILTER (WHERE d.schedule = 'confirmed')             AS confirmed_quantity,
                 min(d.date)     FILTER (WHERE d.schedule = 'current_incl_requests') AS proposed_date,
                 sum(d.quantity) FILTER (WHERE d.schedule = 'current_incl_requests') AS proposed_quantity,
                 min(d.date)     FILTER (WHERE d.schedule = 'current')               AS current_delivery_date,
                 sum(d.quantity) FILTER (WHERE d.schedule = 'current')               AS current_quantity,
                 min(d.date) FILTER (WHERE d.schedule = 'current') - min(d.date) FILTER (WHERE d.schedule = 'requested') AS days_late
            FROM ${s}.delivery_lines d
           WHERE d.order_id = l.order_id AND d.line_id = l.line_id
           GROUP BY coalesce(d.position, '#' || d.seq)
        ) e`);

    // A purchase order as it was at a time: per line the newest version with lastUpdatedAt at or
    // before that time, among the stored event bodies (POST events' own lines, the whole order
    // a GET or polled event fetched). Events whose body was removed by retention are not there,
    // so the answer is only as complete as the bodies kept.
    await queryRunner.query(`
      CREATE FUNCTION ${s}.order_as_at(p_purchase_order_number text, p_at timestamptz)
      RETURNS TABLE (order_id uuid, purchase_order_number text, order_last_updated_at timestamptz,
                     order_process_status text, line_id uuid, line_position text, process_status text,
                     net_price numeric, currency text, quantity numeric, first_delivery_date date,
                     line_last_updated_at timestamptz, event_id bigint, line jsonb)
      LANGUAGE sql STABLE AS $$
        WITH versions AS (
          SELECT e.id AS event_id, o.order_id, o.purchase_order_number,
                 coalesce(e.fetched_body, CASE WHEN e.payload_kind IN ('orderEvent', 'singleDeliveryOrderEvent')
                                               THEN e.body -> e.payload_kind END) AS body
            FROM ${s}.orders o
            JOIN ${s}.webhook_events e ON e.entity_id = o.order_id::text
           WHERE o.purchase_order_number = p_purchase_order_number
             AND e.status IN ('processed', 'stale')
        ), header AS (
          SELECT DISTINCT ON (v.order_id) v.order_id, (v.body ->> 'lastUpdatedAt')::timestamptz AS last_updated_at,
                 v.body #>> '{status,processStatus}' AS process_status
            FROM versions v
           WHERE jsonb_typeof(v.body) = 'object' AND (v.body ->> 'lastUpdatedAt')::timestamptz <= p_at
           ORDER BY v.order_id, (v.body ->> 'lastUpdatedAt')::timestamptz DESC, v.event_id DESC
        ), lines AS (
          SELECT DISTINCT ON (v.order_id, ln.value ->> 'id')
                 v.order_id, v.purchase_order_number, v.event_id, ln.value AS line,
                 (ln.value ->> 'lastUpdatedAt')::timestamptz AS last_updated_at,
                 CASE WHEN jsonb_typeof(ln.value -> 'statusLine') = 'object' THEN ln.value #> '{statusLine,prices}'
                      ELSE ln.value -> 'prices' END AS prices,
                 CASE WHEN jsonb_typeof(ln.value -> 'statusLine') = 'object'
                      THEN jsonb_build_array(ln.value #> '{statusLine,scheduledDelivery}')
                      ELSE coalesce(ln.value -> 'deliverySchedule', '[]'::jsonb) END AS schedule
            FROM versions v
           CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(v.body -> 'lines') = 'array'
                                                        THEN v.body -> 'lines' ELSE '[]'::jsonb END) ln
           WHERE (ln.value ->> 'lastUpdatedAt')::timestamptz <= p_at
           ORDER BY v.order_id, ln.value ->> 'id', (ln.value ->> 'lastUpdatedAt')::timestamptz DESC, v.event_id DESC
        )
        SELECT l.order_id, l.purchase_order_number, h.last_updated_at, h.process_status,
               (l.line ->> 'id')::uuid, l.line #>> '{buyerLine,position}', l.line #>> '{status,processStatus}',
               (l.prices #>> '{netPrice,priceInTransactionCurrency,value}')::numeric,
               l.prices #>> '{netPrice,priceInTransactionCurrency,currencyIso}',
               (SELECT sum((entry ->> 'quantity')::numeric) FROM jsonb_array_elements(l.schedule) entry),
               (SELECT min((entry ->> 'date')::date) FROM jsonb_array_elements(l.schedule) entry),
               l.last_updated_at, l.event_id, l.line
          FROM lines l
          LEFT JOIN header h ON h.order_id = l.order_id
         ORDER BY l.order_id, l.line #>> '{buyerLine,position}', l.line ->> 'id'
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP FUNCTION ${s}.order_as_at(text, timestamptz)`);
    await queryRunner.query(`DROP VIEW ${s}.delivery_schedule_comparison`);
    // The wider views go back to their earlier columns (CREATE OR REPLACE cannot drop columns).
    await queryRunner.query(`DROP VIEW ${s}.shipment_lines_with_order`);
    await queryRunner.query(`DROP VIEW ${s}.open_delivery_lines`);
    await queryRunner.query(`DROP VIEW ${s}.order_lines_current`);
    await new CreateViews1764300005000().up(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}.order_lines_order_summary_idx`);
    await queryRunner.query(`DROP INDEX ${s}.order_lines_open_value_idx`);
    await queryRunner.query(`DROP INDEX ${s}.delivery_history_date_idx`);
    await queryRunner.query(`DROP INDEX ${s}.orders_issued_at_idx`);
    await queryRunner.query(`DROP INDEX ${s}.shipments_eta_start_idx`);
    await queryRunner.query(`DROP INDEX ${s}.webhook_events_purchase_order_number_idx`);
    await queryRunner.query(`DROP INDEX ${s}.order_lines_in_progress_status_idx`);
    await queryRunner.query(`DROP INDEX ${s}.orders_supplier_company_id_idx`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_events
        DROP COLUMN fetched_body, DROP COLUMN acting_company_id, DROP COLUMN shipment_number, DROP COLUMN purchase_order_number`);
    await queryRunner.query(`ALTER TABLE ${s}.shipment_lines DROP COLUMN package_type, DROP COLUMN container_size_and_type`);
    await queryRunner.query(`
      ALTER TABLE ${s}.shipments
        DROP COLUMN invoice_numbers, DROP COLUMN carrier_shipment_number, DROP COLUMN tracking_number,
        DROP COLUMN bill_of_lading_number, DROP COLUMN destination_location_id, DROP COLUMN departure_location_id,
        DROP COLUMN ata, DROP COLUMN eta_end, DROP COLUMN eta_start, DROP COLUMN atd, DROP COLUMN etd`);
    await queryRunner.query(`DROP TABLE ${s}.delivery_history`);
    await queryRunner.query(`
      ALTER TABLE ${s}.order_lines
        DROP COLUMN open_quantity, DROP COLUMN proposal_reason, DROP COLUMN delivery_overdue, DROP COLUMN no_delivery_expected, DROP COLUMN cancelled,
        DROP COLUMN completed, DROP COLUMN shipped, DROP COLUMN delivered, DROP COLUMN supplier_sales_order_position,
        DROP COLUMN supplier_sales_order_number, DROP COLUMN purchase_unit_of_measure, DROP COLUMN price_unit_of_measure,
        DROP COLUMN discount_percentage, DROP COLUMN gross_price, DROP COLUMN proposed_net_price,
        DROP COLUMN confirmed_net_price, DROP COLUMN buyer_net_price`);
    await queryRunner.query(`
      ALTER TABLE ${s}.orders
        DROP COLUMN payment_terms_code, DROP COLUMN incoterms_code, DROP COLUMN supplier_name,
        DROP COLUMN issued_at, DROP COLUMN description, DROP COLUMN order_type`);
  }
}
