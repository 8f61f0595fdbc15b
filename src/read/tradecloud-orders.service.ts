import { Injectable } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { camelCaseRow } from './camel-case-row';
import { ChangePage, ChangeView, OrderView } from './read-models';


/**
 * Read access to orders for host code. Numbers come back as exact decimal text; JSON columns
 * as parsed JSON. Everything it returns is committed data.
 */
@Injectable()
export class TradecloudOrders {
  constructor(private readonly database: TradecloudDatabase) {}

  /** An order with its lines and their current schedules, or null. */
  async findById(orderId: string): Promise<OrderView | null> {
    const [order] = await this.load('o.order_id = $1', [orderId]);
    return order ?? null;
  }

  /** Orders with this purchase order number (one per buyer company), optionally of one buyer. */
  findByPurchaseOrderNumber(purchaseOrderNumber: string, buyerCompanyId?: string): Promise<OrderView[]> {
    return buyerCompanyId
      ? this.load('o.purchase_order_number = $1 AND o.buyer_company_id = $2', [purchaseOrderNumber, buyerCompanyId])
      : this.load('o.purchase_order_number = $1', [purchaseOrderNumber]);
  }

  /**
   * What changed, oldest first, after a cursor (`after`: the id of the last change you saw) or
   * since a time. Page through with `nextCursor`; it is stable under concurrent writes because
   * ids only grow.
   */
  async changesSince(options: { after?: string; since?: Date; orderId?: string; limit?: number } = {}): Promise<ChangePage> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (options.after) conditions.push(`c.id > $${values.push(options.after)}::bigint`);
    if (options.since) conditions.push(`c.recorded_at >= $${values.push(options.since)}`);
    if (options.orderId) conditions.push(`c.order_id = $${values.push(options.orderId)}::uuid`);
    const { rows } = await this.database.query(
      `SELECT id::text, entity, change_type, order_id, line_id, shipment_id, document_id::text, event_id::text, event_name,
              previous_last_updated_at, last_updated_at, diff, recorded_at
         FROM ${this.database.table('changes')} c
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY c.id LIMIT ${limit + 1}`,
      values,
    );
    const page = rows.slice(0, limit).map((row) => camelCaseRow(row) as unknown as ChangeView);
    return { changes: page, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  private async load(condition: string, values: unknown[]): Promise<OrderView[]> {
    const orders = await this.database.query(
      `SELECT order_id, purchase_order_number, buyer_company_id, supplier_company_id, supplier_account_number,
              process_status, logistics_status, version, last_updated_at, header
         FROM ${this.database.table('orders')} o WHERE ${condition} ORDER BY order_id`,
      values,
    );
    if (!orders.rows.length) return [];
    const ids = orders.rows.map((row) => row.order_id);
    const lines = await this.database.query(
      `SELECT l.order_id, l.line_id, l.position, l.original_position, l.line_type, l.item_number, l.description,
              l.process_status, l.in_progress_status, l.logistics_status, l.net_price::text AS net_price, l.currency,
              l.last_updated_at, l.line,
              coalesce((SELECT jsonb_agg(jsonb_build_object('seq', d.seq, 'position', d.position, 'date', d.date,
                                                            'quantity', d.quantity::text, 'status', d.status,
                                                            'etd', d.etd, 'eta', d.eta) ORDER BY d.seq)
                          FROM ${this.database.table('delivery_lines')} d
                         WHERE d.order_id = l.order_id AND d.line_id = l.line_id AND d.schedule = 'current'), '[]') AS current_schedule
         FROM ${this.database.table('order_lines')} l
        WHERE l.order_id = ANY($1::uuid[])
        ORDER BY l.order_id, l.position NULLS LAST, l.line_id`,
      [ids],
    );
    return orders.rows.map((order) => ({
      ...(camelCaseRow(order) as unknown as Omit<OrderView, 'lines'>),
      lines: lines.rows.filter((line) => line.order_id === order.order_id).map(({ order_id: _, ...line }) => camelCaseRow(line) as never),
    }));
  }
}
