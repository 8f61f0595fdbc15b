import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDocumentContents1764300004000 } from '../../migrations/1764300004000-CreateDocumentContents';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../../src/database/tradecloud-data-source';
import { useDatabase } from '../support/receiver-fixture';

describe('migration CreateDocumentContents', () => {
  const database = useDatabase('document_migration');
  let dataSource: TradecloudDataSource;

  beforeAll(async () => {
    dataSource = new TradecloudDataSource(tradecloudDataSourceOptions({ url: database.url, schema: 'tc_migration' }));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  const documentColumns = async () =>
    (
      await dataSource.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'tc_migration' AND table_name = 'documents' ORDER BY ordinal_position`,
      )
    ).map((row: { column_name: string }) => row.column_name);
  const tables = async () =>
    (await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tc_migration' AND table_name LIKE 'document%' ORDER BY 1`)).map(
      (row: { table_name: string }) => row.table_name,
    );

  it('adds the content tables and columns, and its down restores the earlier schema', async () => {
    await dataSource.runMigrations();
    expect(await tables()).toEqual(['document_contents', 'document_downloads', 'documents']);
    expect(await documentColumns()).toEqual(expect.arrayContaining(['sha256', 'filename', 'content_type', 'size_bytes', 'downloaded_at', 'last_error', 'download_enqueued']));

    await dataSource.query(`INSERT INTO tc_migration.document_contents (sha256, storage, content, size_bytes) VALUES ($1, 'postgres', '\\x01', 1)`, ['a'.repeat(64)]);
    await dataSource.query(
      `INSERT INTO tc_migration.documents (document_key, object_id, order_id, side, content_status, sha256, document)
       VALUES ('object:x', 'x', gen_random_uuid(), 'buyer', 'stored', $1, '{}')`,
      ['a'.repeat(64)],
    );
    await expect(
      dataSource.query(`INSERT INTO tc_migration.documents (document_key, order_id, side, content_status, document) VALUES ('k', gen_random_uuid(), 'buyer', 'stored', '{}')`),
    ).rejects.toThrow(/documents_stored_content_check/);

    // Run by hand: later migrations may have been added after this one.
    const migration = new CreateDocumentContents1764300004000();
    const runner = dataSource.createQueryRunner();
    await migration.down(runner);
    expect(await tables()).toEqual(['documents']);
    expect(await documentColumns()).not.toContain('sha256');
    expect((await dataSource.query(`SELECT content_status FROM tc_migration.documents`))[0].content_status).toBe('pending');

    await migration.up(runner);
    await runner.release();
    expect(await tables()).toEqual(['document_contents', 'document_downloads', 'documents']);
  });
});
