import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Orders, their lines, every delivery schedule of a line, order documents, and the change log.
 * Quantities and money are `numeric` (exact decimals, as Tradecloud sends them); times are
 * `timestamptz`; each table keeps the JSON it was built from, unknown fields included.
 */
export class CreateOrders1764300001000 implements MigrationInterface {
  name = 'CreateOrders1764300001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.orders (
        order_id                uuid        NOT NULL,
        purchase_order_number   text        NOT NULL,
        buyer_company_id        uuid,
        supplier_company_id     uuid,
        supplier_account_number text,
        process_status          text,
        logistics_status        text,
        version                 integer,
        last_updated_at         timestamptz NOT NULL,
        header                  jsonb       NOT NULL,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now(),
        last_event_id           bigint,
        CONSTRAINT orders_pkey PRIMARY KEY (order_id)
      )`);
    await queryRunner.query(`CREATE INDEX orders_purchase_order_number_idx ON ${s}.orders (purchase_order_number)`);
    await queryRunner.query(`CREATE INDEX orders_buyer_company_po_idx ON ${s}.orders (buyer_company_id, purchase_order_number)`);

    await queryRunner.query(`
      CREATE TABLE ${s}.order_lines (
        order_id           uuid        NOT NULL,
        line_id            uuid        NOT NULL,
        position           text,
        original_position  text,
        line_type          text,
        item_number        text,
        description        text,
        process_status     text,
        in_progress_status text,
        logistics_status   text,
        net_price          numeric,
        currency           text,
        price_unit_quantity numeric,
        last_updated_at    timestamptz NOT NULL,
        line               jsonb       NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        last_event_id      bigint,
        CONSTRAINT order_lines_pkey PRIMARY KEY (order_id, line_id),
        CONSTRAINT order_lines_order_fkey FOREIGN KEY (order_id) REFERENCES ${s}.orders (order_id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX order_lines_order_position_idx ON ${s}.order_lines (order_id, position)`);
    await queryRunner.query(`CREATE INDEX order_lines_process_status_idx ON ${s}.order_lines (process_status)`);

    await queryRunner.query(`
      CREATE TABLE ${s}.delivery_lines (
        order_id       uuid    NOT NULL,
        line_id        uuid    NOT NULL,
        schedule       text    NOT NULL,
        seq            integer NOT NULL,
        position       text,
        date           date,
        quantity       numeric,
        status         text,
        etd            date,
        eta            date,
        transport_mode text,
        CONSTRAINT delivery_lines_pkey PRIMARY KEY (order_id, line_id, schedule, seq),
        CONSTRAINT delivery_lines_line_fkey FOREIGN KEY (order_id, line_id)
          REFERENCES ${s}.order_lines (order_id, line_id) ON DELETE CASCADE,
        CONSTRAINT delivery_lines_schedule_check
          CHECK (schedule IN ('current', 'current_incl_requests', 'requested', 'confirmed'))
      )`);
    await queryRunner.query(`CREATE INDEX delivery_lines_date_idx ON ${s}.delivery_lines (schedule, date)`);

    await queryRunner.query(`
      CREATE TABLE ${s}.documents (
        id              bigint GENERATED ALWAYS AS IDENTITY,
        document_key    text        NOT NULL,
        object_id       text,
        url             text,
        code            text,
        revision        text,
        name            text,
        type            text,
        description     text,
        order_id        uuid,
        line_id         uuid,
        line_position   text,
        shipment_id     text,
        side            text        NOT NULL,
        content_status  text        NOT NULL DEFAULT 'pending',
        last_updated_at timestamptz,
        document        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        first_event_id  bigint,
        CONSTRAINT documents_pkey PRIMARY KEY (id),
        CONSTRAINT documents_side_check CHECK (side IN ('buyer', 'supplier')),
        CONSTRAINT documents_owner_check CHECK (order_id IS NOT NULL OR shipment_id IS NOT NULL),
        CONSTRAINT documents_content_status_check
          CHECK (content_status IN ('pending', 'stored', 'failed', 'none'))
      )`);
    // One row per document reference and place: header or line (by id, else position), side.
    await queryRunner.query(`
      CREATE UNIQUE INDEX documents_order_reference_key ON ${s}.documents
        (order_id, (coalesce(line_id::text, line_position, '')), side, document_key)
        WHERE order_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX documents_object_id_idx ON ${s}.documents (object_id)`);
    await queryRunner.query(`CREATE INDEX documents_content_status_idx ON ${s}.documents (content_status)`);

    await queryRunner.query(`
      CREATE TABLE ${s}.changes (
        id                       bigint GENERATED ALWAYS AS IDENTITY,
        entity                   text        NOT NULL,
        change_type              text        NOT NULL,
        order_id                 uuid,
        line_id                  uuid,
        shipment_id              text,
        document_id              bigint,
        event_id                 bigint,
        event_name               text,
        previous_last_updated_at timestamptz,
        last_updated_at          timestamptz,
        diff                     jsonb,
        recorded_at              timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT changes_pkey PRIMARY KEY (id),
        CONSTRAINT changes_change_type_check CHECK (change_type IN ('created', 'updated'))
      )`);
    await queryRunner.query(`CREATE INDEX changes_order_recorded_at_idx ON ${s}.changes (order_id, recorded_at)`);
    await queryRunner.query(`CREATE INDEX changes_recorded_at_idx ON ${s}.changes (recorded_at)`);
    await queryRunner.query(`CREATE INDEX changes_event_id_idx ON ${s}.changes (event_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.changes`);
    await queryRunner.query(`DROP TABLE ${s}.documents`);
    await queryRunner.query(`DROP TABLE ${s}.delivery_lines`);
    await queryRunner.query(`DROP TABLE ${s}.order_lines`);
    await queryRunner.query(`DROP TABLE ${s}.orders`);
  }
}
