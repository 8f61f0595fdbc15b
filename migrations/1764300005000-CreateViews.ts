import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Views that make the common questions one-liners for people who only read the tables:
 * - `order_lines_current`: one row per line with its order's fields and a summary of its
 *   current delivery schedule;
 * - `open_delivery_lines`: current schedule entries not yet delivered, of lines still open;
 * - `shipment_lines_with_order`: shipment lines next to the order line (and scheduled delivery)
 *   they deliver.
 */
export class CreateViews1764300005000 implements MigrationInterface {
  name = 'CreateViews1764300005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE VIEW ${s}.order_lines_current AS
      SELECT o.order_id, o.purchase_order_number, o.buyer_company_id, o.supplier_company_id, o.supplier_account_number,
             o.process_status   AS order_process_status,
             o.logistics_status AS order_logistics_status,
             l.line_id, l.position, l.original_position, l.line_type, l.item_number, l.description,
             l.process_status, l.in_progress_status, l.logistics_status,
             l.net_price, l.currency, l.price_unit_quantity,
             schedule.delivery_count, schedule.total_quantity, schedule.first_date, schedule.last_date,
             schedule.next_open_date,
             l.last_updated_at
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
        ) schedule ON true`);
    await queryRunner.query(`
      CREATE VIEW ${s}.open_delivery_lines AS
      SELECT o.order_id, o.purchase_order_number, o.supplier_account_number,
             l.line_id, l.position AS line_position, l.item_number, l.description, l.process_status,
             d.seq, d.position AS delivery_position, d.date, d.quantity, d.status, d.etd, d.eta
        FROM ${s}.delivery_lines d
        JOIN ${s}.order_lines l ON l.order_id = d.order_id AND l.line_id = d.line_id
        JOIN ${s}.orders o ON o.order_id = d.order_id
       WHERE d.schedule = 'current'
         AND d.status IS DISTINCT FROM 'Delivered'
         AND l.process_status IS DISTINCT FROM 'Cancelled'
         AND l.process_status IS DISTINCT FROM 'Completed'
         AND l.process_status IS DISTINCT FROM 'Rejected'`);
    await queryRunner.query(`
      CREATE VIEW ${s}.shipment_lines_with_order AS
      SELECT sh.shipment_id, sh.shipment_number, sh.process_status AS shipment_process_status, sh.transport_mode,
             sl.despatch_advice_number, sl.despatch_advice_line_position,
             sl.purchase_order_number, sl.purchase_order_line_position, sl.delivery_schedule_position,
             sl.despatch_quantity, sl.backorder_quantity, sl.container_number, sl.package_sscc, sl.removed_at,
             sl.order_id, sl.line_id, l.item_number, l.description, l.process_status AS line_process_status,
             scheduled.date AS scheduled_date, scheduled.quantity AS scheduled_quantity
        FROM ${s}.shipment_lines sl
        JOIN ${s}.shipments sh ON sh.shipment_id = sl.shipment_id
        LEFT JOIN ${s}.order_lines l ON l.order_id = sl.order_id AND l.line_id = sl.line_id
        LEFT JOIN LATERAL (
          SELECT d.date, d.quantity FROM ${s}.delivery_lines d
           WHERE d.order_id = sl.order_id AND d.line_id = sl.line_id AND d.schedule = 'current'
             AND d.position = sl.delivery_schedule_position
           ORDER BY d.seq LIMIT 1
        ) scheduled ON true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP VIEW ${s}.shipment_lines_with_order`);
    await queryRunner.query(`DROP VIEW ${s}.open_delivery_lines`);
    await queryRunner.query(`DROP VIEW ${s}.order_lines_current`);
  }
}
