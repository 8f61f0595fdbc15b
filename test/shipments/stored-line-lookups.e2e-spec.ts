import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { ShipmentStore } from '../../src/shipments/shipment.store';
import { useReceiver } from '../support/receiver-fixture';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  'Parallel Aware'?: boolean;
  Plans?: PlanNode[];
}

/** Every node of a plan (`EXPLAIN (FORMAT JSON)`). */
function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The lookups of a batch's stored shipment lines (the purchase orders to lock, the session's
 * preload) read them by primary key, one shipment after the other, whatever the table's statistics
 * say. A drain that updates every line of 2,000 shipments ten times outruns autovacuum: with the
 * statistics missing, the former `shipment_id = ANY(…)` lookups were planned as (parallel)
 * sequential scans of the whole, bloated table, 52 ms a batch and a third of PostgreSQL's time in
 * the benchmark's shipment drain. A plan driven by the list of shipments (a nested loop, the
 * lines' scan run once per shipment) cannot turn into that.
 */
describe('stored shipment lines are looked up by key, also without statistics', () => {
  const receiver = useReceiver({ label: 'shipment_lookups', options: { queue: { workers: false }, documents: { download: false } } });
  const SHIPMENTS = 400;
  const LINES = 40;

  /** A pass-through to the transaction's connection that keeps each statement, so that its plan can be asked for. */
  const recording = (client: PoolClient, statements: Array<{ text: string; values: unknown[] }>) =>
    ({
      query: (text: string, values: unknown[] = []) => {
        statements.push({ text, values });
        return client.query(text, values);
      },
    }) as unknown as PoolClient;

  it('runs one keyed scan of the lines per shipment, with no parallel plan, and finds what is stored', async () => {
    const client = await receiver.sql.connect();
    try {
      await client.query('BEGIN');
      // Many versions of every line and no ANALYZE in between, as in a drain that autovacuum has not caught up with.
      await client.query(
        `INSERT INTO tradecloud.shipments (shipment_id, shipment_number, last_updated_at, shipment)
         SELECT 'lookup-' || s, 'SN-' || s, now(), '{}' FROM generate_series(1, ${SHIPMENTS}) s`,
      );
      await client.query(
        `INSERT INTO tradecloud.shipment_lines
           (shipment_id, despatch_advice_number, despatch_advice_line_position, purchase_order_number, purchase_order_line_position, last_updated_at, line)
         SELECT 'lookup-' || s, 'DA-' || s, lpad(l::text, 4, '0'), 'PO-' || (s % 97), lpad(l::text, 4, '0'), now(), jsonb_build_object('n', l, 'text', repeat('x', 200))
           FROM generate_series(1, ${SHIPMENTS}) s, generate_series(1, ${LINES}) l`,
      );
      for (let version = 1; version <= 3; version++) {
        await client.query(`UPDATE tradecloud.shipment_lines SET last_updated_at = last_updated_at + interval '1 second', line = line || jsonb_build_object('v', ${version})`);
      }

      const store = receiver.app!.get(ShipmentStore);
      const ids = Array.from({ length: 32 }, (_, index) => `lookup-${index * 7 + 3}`);
      const statements: Array<{ text: string; values: unknown[] }> = [];
      const purchaseOrders = await store.storedPurchaseOrders(recording(client, statements), ids);
      expect(purchaseOrders.sort()).toEqual([...new Set(ids.map((id) => `PO-${Number(id.slice('lookup-'.length)) % 97}`))].sort());

      const session = store.session(recording(client, statements));
      const { rows: lineCount } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.shipment_lines WHERE shipment_id = ANY($1)`, [ids]);
      expect(lineCount[0].n).toBe(32 * LINES);
      for (const shipmentId of ids) session.plan({ header: { shipmentId } } as Parameters<typeof session.plan>[0]);
      await session.preload();

      const lookups = statements.filter((statement) => /FROM\s+"?tradecloud"?\."?shipment_lines/i.test(statement.text));
      expect(lookups).toHaveLength(2);
      for (const { text, values } of lookups) {
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
        const nodes = nodesOf(rows[0]['QUERY PLAN'][0].Plan);
        const scans = nodes.filter((node) => node['Relation Name'] === 'shipment_lines');
        // One scan of the lines, by key, run once per shipment.
        expect(scans.map((scan) => [scan['Node Type'], scan['Actual Loops']]), text).toEqual([[expect.stringMatching(/^(Index|Bitmap Heap) Scan$/), ids.length]]);
        expect(nodes.filter((node) => node['Node Type'].startsWith('Gather') || node['Parallel Aware']).map((node) => node['Node Type']), text).toEqual([]);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
