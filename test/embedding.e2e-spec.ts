import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import {
  TRADECLOUD_DATA_SOURCE,
  TradecloudDatabaseHealthIndicator,
  TradecloudModule,
  TradecloudModuleOptions,
  tradecloudEntities,
} from '../src';
import { createHostAppModule } from './host-app/host-app.module';
import { withClient } from './support/test-database';
import { useDatabase } from './support/receiver-fixture';

const tablesIn = (url: string, schema: string) =>
  withClient(url, (client) =>
    client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]),
  ).then((result) => result.rows.map((row) => row.table_name as string));

const OUR_TABLES = ['changes', 'delivery_lines', 'documents', 'migrations', 'order_lines', 'orders', 'webhook_events'];

describe('embedding TradecloudModule in a host application', () => {
  const database = useDatabase('embedding');

  it('forRoot with a URL: creates its own pool, migrates its schema, and closes the pool on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TradecloudModule.forRoot({ database: { url: database.url, schema: 'tc_for_root' } })],
    }).compile();
    const app = await moduleRef.init();
    const dataSource = app.get<DataSource>(TRADECLOUD_DATA_SOURCE);
    expect(dataSource.isInitialized).toBe(true);
    expect(await tablesIn(database.url, 'tc_for_root')).toEqual(expect.arrayContaining(OUR_TABLES));
    // The entity schemas read the same tables through a host's own DataSource (no synchronize!).
    const reader = await new DataSource({ type: 'postgres', url: database.url, entities: tradecloudEntities('tc_for_root') }).initialize();
    try {
      for (const entity of reader.entityMetadatas) expect(await reader.getRepository(entity.name).find({ take: 1 })).toEqual([]);
      expect(reader.entityMetadatas.map((entity) => entity.tableName).sort()).toEqual(
        ['changes', 'delivery_lines', 'documents', 'order_lines', 'orders', 'shipment_lines', 'shipments'],
      );
    } finally {
      await reader.destroy();
    }
    const health = await app.get(TradecloudDatabaseHealthIndicator).isHealthy();
    expect(health.database.status).toBe('up');
    await app.close();
    expect(dataSource.isInitialized).toBe(false);
  });

  it('forRootAsync with useClass', async () => {
    @Injectable()
    class TradecloudConfig {
      createTradecloudOptions(): TradecloudModuleOptions {
        return { database: { url: database.url, schema: 'tc_use_class' } };
      }
    }
    @Module({ providers: [TradecloudConfig], exports: [TradecloudConfig] })
    class ConfigModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [TradecloudModule.forRootAsync({ imports: [ConfigModule], useClass: TradecloudConfig })],
    }).compile();
    const app = await moduleRef.init();
    expect(await tablesIn(database.url, 'tc_use_class')).toContain('webhook_events');
    await app.close();
  });

  it("forRootAsync with the host's own DataSource: shares it, keeps its tables in its own schema, and leaves the DataSource open", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [createHostAppModule(database.url, 'tc_host')],
    }).compile();
    const app = await moduleRef.init();
    const hostDataSource = app.get(DataSource);
    expect(app.get<DataSource>(TRADECLOUD_DATA_SOURCE)).toBe(hostDataSource);
    expect(await tablesIn(database.url, 'tc_host')).toEqual(expect.arrayContaining(OUR_TABLES));
    expect(await tablesIn(database.url, 'public')).toContain('erp_purchase_orders');
    // the host's own migrations table was not used for ours
    expect(await tablesIn(database.url, 'public')).not.toContain('migrations');
    await app.close();
  });

  it('fails at start-up with a message naming the wrong option', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [TradecloudModule.forRoot({ database: { url: database.url, schema: 'Not Valid' } })],
    });
    await expect(moduleRef.compile()).rejects.toThrow(/"database.schema" must be a lower-case Postgres identifier/);
  });
});
