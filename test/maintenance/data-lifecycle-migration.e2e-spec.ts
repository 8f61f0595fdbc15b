import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLifecycle1765000019000 } from '../../migrations/1765000019000-DataLifecycle';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../../src/database/tradecloud-data-source';
import { useDatabase } from '../support/receiver-fixture';

describe('migration DataLifecycle', () => {
  const database = useDatabase('lifecycle_migration');
  let dataSource: TradecloudDataSource;

  beforeAll(async () => {
    dataSource = new TradecloudDataSource(tradecloudDataSourceOptions({ url: database.url, schema: 'tc_lifecycle' }));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  const insert = (dedupeKey: string, status: string, body: string | null, prunedAt: string | null = null) =>
    dataSource.query(`INSERT INTO tc_lifecycle.webhook_events (endpoint, dedupe_key, status, body, body_pruned_at) VALUES ('orders', $1, $2, $3::jsonb, $4) RETURNING id`, [
      dedupeKey,
      status,
      body,
      prunedAt,
    ]);

  it('keeps the events stored before it, allows a body to be missing only once pruned and only for settled events, and its down restores the earlier rule', async () => {
    await dataSource.runMigrations();
    // Run by hand from the state before it: later migrations may have been added after this one.
    const migration = new DataLifecycle1765000019000();
    const runner = dataSource.createQueryRunner();
    await migration.down(runner);
    await dataSource.query(`INSERT INTO tc_lifecycle.webhook_events (endpoint, dedupe_key, status, body) VALUES ('orders', 'before', 'processed', '{"kept": true}')`);
    await migration.up(runner);
    expect(await dataSource.query(`SELECT status, body, body_pruned_at FROM tc_lifecycle.webhook_events WHERE dedupe_key = 'before'`)).toEqual([
      { status: 'processed', body: { kept: true }, body_pruned_at: null },
    ]);

    await insert('pruned', 'processed', null, new Date().toISOString());
    await expect(insert('no-body', 'processed', null)).rejects.toThrow(/webhook_events_body_present_check/);
    await expect(insert('pending-pruned', 'pending', null, new Date().toISOString())).rejects.toThrow(/webhook_events_pruned_settled_check/);
    await expect(insert('failed-pruned', 'failed', '{}', new Date().toISOString())).rejects.toThrow(/webhook_events_pruned_settled_check/);
    const indexes = await dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'tc_lifecycle' AND indexname = 'webhook_events_settled_body_idx'`);
    expect(indexes).toHaveLength(1);

    // Down: rows without a body cannot satisfy the earlier check; they go, the others stay.
    await migration.down(runner);
    expect((await dataSource.query(`SELECT dedupe_key FROM tc_lifecycle.webhook_events ORDER BY id`)).map((row: { dedupe_key: string }) => row.dedupe_key)).toEqual(['before']);
    await migration.up(runner);
    await runner.release();
  });
});
