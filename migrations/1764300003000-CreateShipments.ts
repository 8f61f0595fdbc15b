import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Shipments (despatch advice) and their lines. Shipment documents live in `documents` with
 * `shipment_id` as owner. A shipment event carries all lines: a line missing from a newer
 * version gets `removed_at` rather than being deleted.
 */
export class CreateShipments1764300003000 implements MigrationInterface {
  name = 'CreateShipments1764300003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.shipments (
        shipment_id           text        NOT NULL,
        shipment_number       text        NOT NULL,
        supplier_company_id   uuid,
        buyer_company_id      uuid,
        process_status        text,
        process_status_reason text,
        transport_mode        text,
        last_updated_at       timestamptz NOT NULL,
        shipment              jsonb       NOT NULL,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        last_event_id         bigint,
        CONSTRAINT shipments_pkey PRIMARY KEY (shipment_id)
      )`);
    await queryRunner.query(`CREATE INDEX shipments_supplier_number_idx ON ${s}.shipments (supplier_company_id, shipment_number)`);

    await queryRunner.query(`
      CREATE TABLE ${s}.shipment_lines (
        shipment_id                   text        NOT NULL,
        despatch_advice_number        text        NOT NULL,
        despatch_advice_line_position text        NOT NULL,
        purchase_order_number         text        NOT NULL,
        purchase_order_line_position  text        NOT NULL,
        delivery_schedule_position    text,
        order_id                      uuid,
        line_id                       uuid,
        item_number                   text,
        despatch_quantity             numeric,
        backorder_quantity            numeric,
        container_number              text,
        package_sscc                  text,
        last_updated_at               timestamptz NOT NULL,
        removed_at                    timestamptz,
        line                          jsonb       NOT NULL,
        created_at                    timestamptz NOT NULL DEFAULT now(),
        updated_at                    timestamptz NOT NULL DEFAULT now(),
        last_event_id                 bigint,
        CONSTRAINT shipment_lines_pkey PRIMARY KEY (shipment_id, despatch_advice_number, despatch_advice_line_position),
        CONSTRAINT shipment_lines_shipment_fkey FOREIGN KEY (shipment_id) REFERENCES ${s}.shipments (shipment_id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX shipment_lines_purchase_order_idx ON ${s}.shipment_lines (purchase_order_number, purchase_order_line_position)`,
    );
    await queryRunner.query(`CREATE INDEX shipment_lines_order_line_idx ON ${s}.shipment_lines (order_id, line_id)`);

    await queryRunner.query(`
      CREATE UNIQUE INDEX documents_shipment_reference_key ON ${s}.documents (shipment_id, side, document_key)
        WHERE shipment_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}.documents_shipment_reference_key`);
    await queryRunner.query(`DROP TABLE ${s}.shipment_lines`);
    await queryRunner.query(`DROP TABLE ${s}.shipments`);
  }
}
