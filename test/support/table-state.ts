import { Pool } from 'pg';

/**
 * Every row of the order and shipment tables as text, without the columns that record when or by which
 * event a row was written (those legitimately differ between two arrival orders).
 */
export async function orderTablesState(sql: Pool, schema: string): Promise<Record<string, string[]>> {
  const s = `"${schema}"`;
  const dump = async (query: string) => (await sql.query<{ r: string }>(query)).rows.map((row) => row.r);
  return {
    orders: await dump(
      `SELECT (to_jsonb(o) - 'created_at' - 'updated_at' - 'last_event_id')::text AS r FROM ${s}.orders o ORDER BY order_id`,
    ),
    order_lines: await dump(
      `SELECT (to_jsonb(l) - 'created_at' - 'updated_at' - 'last_event_id')::text AS r FROM ${s}.order_lines l ORDER BY order_id, line_id`,
    ),
    delivery_lines: await dump(`SELECT to_jsonb(d)::text AS r FROM ${s}.delivery_lines d ORDER BY order_id, line_id, schedule, seq`),
    documents: await dump(
      `SELECT (to_jsonb(d) - 'id' - 'created_at' - 'first_event_id')::text AS r FROM ${s}.documents d
        ORDER BY order_id, shipment_id, coalesce(line_id::text, ''), side, document_key`,
    ),
    shipments: await dump(
      `SELECT (to_jsonb(s) - 'created_at' - 'updated_at' - 'last_event_id')::text AS r FROM ${s}.shipments s ORDER BY shipment_id`,
    ),
    // removed_at says whether a line is removed (its time is the applying transaction's).
    shipment_lines: await dump(
      `SELECT (to_jsonb(l) - 'created_at' - 'updated_at' - 'last_event_id' - 'removed_at'
               || jsonb_build_object('removed', l.removed_at IS NOT NULL))::text AS r
         FROM ${s}.shipment_lines l ORDER BY shipment_id, despatch_advice_number, despatch_advice_line_position`,
    ),
  };
}
