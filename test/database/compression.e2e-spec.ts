import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';

/**
 * Large values are compressed with LZ4 where the server supports it (PostgreSQL 14 or later, built
 * with lz4), with the default pglz elsewhere (the embedded PostgreSQL): event bodies (migration
 * BodyCompression), line diffs in `changes` (ChangesDiffCompression), order lines (LineStorage, which
 * without LZ4 stores rows of up to 4 KB uncompressed instead). Each expectation follows what the
 * server under test supports (the same test as the migrations' `lz4Supported`).
 */
describe('compression of large values', () => {
  const receiver = useReceiver({ label: 'compression' });

  const lz4 = async () =>
    (await receiver.q<{ supported: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS supported FROM pg_settings WHERE name = 'default_toast_compression'`))[0].supported;

  it('sets LZ4 on event bodies and line diffs where the server has it, and keeps order lines uncompressed up to 4 KB where not', async () => {
    const supported = await lz4();
    const columns = await receiver.q<{ column: string; compression: string }>(
      `SELECT c.relname || '.' || a.attname AS column, a.attcompression::text AS compression
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = $1::regnamespace
          AND (c.relname, a.attname) IN (('webhook_events', 'body'), ('webhook_events', 'raw_body'), ('changes', 'diff'), ('order_lines', 'line'))
        ORDER BY 1`,
      [receiver.schema],
    );
    const method = supported ? 'l' : '';
    expect(Object.fromEntries(columns.map((row) => [row.column, row.compression]))).toEqual({
      'changes.diff': method,
      'order_lines.line': method,
      'webhook_events.body': method,
      'webhook_events.raw_body': method,
    });
    const [orderLines] = await receiver.q<{ reloptions: string[] | null }>(`SELECT reloptions FROM pg_class WHERE relnamespace = $1::regnamespace AND relname = 'order_lines'`, [
      receiver.schema,
    ]);
    expect(orderLines.reloptions?.includes('toast_tuple_target=4096') ?? false).toBe(!supported);
  });

  it('compresses a diff large enough to be compressed with that method', async () => {
    // A line's diff as a new version that changes many fields writes it: about 3 KB of jsonb.
    const diff = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`buyerLine.deliverySchedule[${i}].quantity`, { old: 1000 + i, new: 2000 + i, note: 'changed by the buyer' }]));
    const [{ id }] = await receiver.q<{ id: string }>(`INSERT INTO S.changes (entity, change_type, diff) VALUES ('order_line', 'updated', $1::jsonb) RETURNING id`, [
      JSON.stringify(diff),
    ]);
    const [stored] = await receiver.q<{ compression: string | null; same: boolean }>(
      `SELECT pg_column_compression(diff) AS compression, diff = $2::jsonb AS same FROM S.changes WHERE id = $1`,
      [id, JSON.stringify(diff)],
    );
    expect(stored).toEqual({ compression: (await lz4()) ? 'lz4' : 'pglz', same: true });
  });
});
