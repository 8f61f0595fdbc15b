import { Injectable } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { camelCaseRow } from './camel-case-row';
import { ShipmentView } from './read-models';


/** Read access to shipments for host code: a shipment with all its lines (removed ones included, with `removedAt`). */
@Injectable()
export class TradecloudShipments {
  constructor(private readonly database: TradecloudDatabase) {}

  async findById(shipmentId: string): Promise<ShipmentView | null> {
    const shipment = await this.database.query(
      `SELECT shipment_id, shipment_number, supplier_company_id, buyer_company_id, process_status, process_status_reason,
              transport_mode, last_updated_at, shipment
         FROM ${this.database.table('shipments')} WHERE shipment_id = $1`,
      [shipmentId],
    );
    if (!shipment.rows[0]) return null;
    const lines = await this.database.query(
      `SELECT despatch_advice_number, despatch_advice_line_position, purchase_order_number, purchase_order_line_position,
              delivery_schedule_position, order_id, line_id, despatch_quantity::text AS despatch_quantity,
              backorder_quantity::text AS backorder_quantity, container_number, package_sscc, removed_at, last_updated_at, line
         FROM ${this.database.table('shipment_lines')} WHERE shipment_id = $1
        ORDER BY despatch_advice_number, despatch_advice_line_position`,
      [shipmentId],
    );
    return { ...(camelCaseRow(shipment.rows[0]) as unknown as Omit<ShipmentView, 'lines'>), lines: lines.rows.map((row) => camelCaseRow(row) as never) };
  }
}
