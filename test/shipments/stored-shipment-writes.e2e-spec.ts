import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/changes/lossless-json';
import { ShipmentSnapshotMapper } from '../../src/shipments/shipment-snapshot.mapper';
import { ShipmentStore } from '../../src/shipments/shipment.store';
import { useReceiver } from '../support/receiver-fixture';
import { shipmentEventStream } from './shipment-stream';

/**
 * R8 for shipments (issue 15): a POST shipment event's shipment JSON and its lines' JSON are read
 * by PostgreSQL from `webhook_events.body` instead of travelling back to it. These tests apply the
 * same stream of versions both ways, in rolled-back transactions of one database, and compare
 * every row: lines dropping out and coming back, lines in load carriers, exact decimals and fields
 * the DTOs do not know.
 */

const SEED = 31;
const EXACT_QUANTITY = '12345678901234.56789';

/** The stream's bodies as text, with load-carrier lines, an exact decimal and unknown fields. */
function streamTexts(): string[] {
  return shipmentEventStream({ shipments: 2, versions: 4, lines: 6, seed: SEED }).map((body, index) => {
    const shipment = body.shipment as { lines: Array<Record<string, unknown>>; loadCarriers: unknown[] };
    // Every other version packs its last two lines on a pallet (same keys: the line moves, its JSON changes).
    if (index % 2 === 1 && shipment.lines.length > 2) shipment.loadCarriers = [{ packageSSCC: `38712345000${index}`, packageType: 'PX', lines: shipment.lines.splice(-2) }];
    if (shipment.lines[0]) {
      (shipment.lines[0].supplierLine as Record<string, unknown>).despatchQuantity = '@EXACT';
      shipment.lines[0].notKnownToTheDtos = { nested: ['é \u2028', 1.50] };
    }
    return JSON.stringify(body).split('"@EXACT"').join(EXACT_QUANTITY);
  });
}

describe('shipments written from the stored body (R8)', () => {
  const receiver = useReceiver({ label: 'stored_shipments', options: { queue: { workers: false }, documents: { download: false } } });

  const rows = async (client: PoolClient, shipmentIds: string[]) => {
    const dump = async (query: string) => (await client.query<{ r: string }>(query, [shipmentIds])).rows.map((row) => row.r);
    return {
      shipments: await dump(`SELECT (to_jsonb(s) - 'created_at' - 'updated_at')::text AS r FROM tradecloud.shipments s WHERE shipment_id = ANY($1) ORDER BY shipment_id`),
      // removed_at is the transaction's clock: whether a line is removed is what both ways must agree on.
      shipment_lines: await dump(
        `SELECT (to_jsonb(l) - 'created_at' - 'updated_at' - 'removed_at' || jsonb_build_object('removed', removed_at IS NOT NULL))::text AS r
           FROM tradecloud.shipment_lines l WHERE shipment_id = ANY($1) ORDER BY shipment_id, despatch_advice_number, despatch_advice_line_position`,
      ),
      // document_id: a sequence, not rolled back between the two ways.
      changes: await dump(`SELECT (to_jsonb(c) - 'id' - 'recorded_at' - 'document_id')::text AS r FROM tradecloud.changes c WHERE shipment_id = ANY($1) ORDER BY id`),
    };
  };

  /** Applies every stored event's snapshot, in order, in one transaction that is rolled back, and returns the rows written. */
  const applyAll = async (events: Array<{ id: string; text: string }>, fromStoredBody: boolean) => {
    const store = receiver.app!.get(ShipmentStore);
    const mapper = new ShipmentSnapshotMapper();
    const client = await receiver.sql.connect();
    const shipmentIds = new Set<string>();
    try {
      await client.query('BEGIN');
      for (const event of events) {
        const snapshot = mapper.map((parseExact(event.text) as { shipment: Record<string, unknown> }).shipment);
        if (fromStoredBody) snapshot.source = { eventId: event.id, payloadKey: 'shipment' };
        shipmentIds.add(snapshot.header.shipmentId);
        await store.applySnapshot(client, snapshot, { eventId: event.id, eventName: 'ShipmentUpdated' });
      }
      return await rows(client, [...shipmentIds]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };

  /** Stores a body as a rejected request: it is in webhook_events, and no worker claims it. */
  const storeBody = async (text: string, key: string) =>
    (
      await receiver.q<{ id: string }>(
        `INSERT INTO S.webhook_events (endpoint, payload_kind, event_name, entity_id, dedupe_key, status, body)
         VALUES ('shipments', 'shipment', 'ShipmentUpdated', $1, $2, 'rejected', $3::jsonb) RETURNING id::text`,
        [key, key, text],
      )
    )[0].id;

  it('reads the JSON from the stored body, not from the snapshot', async () => {
    const [text] = streamTexts();
    const stored = JSON.parse(text) as { shipment: { lines: Array<Record<string, unknown>>; onlyInTheStoredBody?: boolean } };
    stored.shipment.onlyInTheStoredBody = true;
    stored.shipment.lines[1].onlyInTheStoredBody = true;
    const id = await storeBody(JSON.stringify(stored), `r8-shipment-marker-${SEED}`);
    const written = await applyAll([{ id, text }], true);
    expect(written.shipments[0]).toContain('"onlyInTheStoredBody": true');
    expect(written.shipment_lines.filter((row) => row.includes('"onlyInTheStoredBody": true'))).toHaveLength(1);
  });

  it('writes exactly the rows and changes of the shipment sent whole, version after version', async () => {
    const events: Array<{ id: string; text: string }> = [];
    for (const [index, text] of streamTexts().entries()) events.push({ id: await storeBody(text, `r8-shipment-${SEED}-${index}`), text });
    const fromBody = await applyAll(events, true);
    const sentWhole = await applyAll(events, false);
    expect(fromBody).toEqual(sentWhole);

    // Not two empty sets: the cases are there.
    expect(fromBody.shipments).toHaveLength(2);
    expect(fromBody.shipment_lines.some((row) => row.includes(EXACT_QUANTITY) && row.includes('"notKnownToTheDtos"'))).toBe(true);
    expect(fromBody.shipment_lines.some((row) => row.includes('"package_sscc": "38712345000'))).toBe(true);
    expect(fromBody.shipment_lines.some((row) => row.includes('"removed": true'))).toBe(true);
    expect(fromBody.changes.length).toBeGreaterThan(events.length);
  });
});
