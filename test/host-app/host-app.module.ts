import { Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TradecloudModule } from '../../src';
import { ErpPurchaseOrder } from './erp-purchase-order.entity';

/**
 * A host monolith: it owns a TypeORM DataSource (with its own entities, synchronised into
 * `public`) and embeds the module on that same DataSource with `forRootAsync`.
 */
export function createHostAppModule(databaseUrl: string, schema: string) {
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [ErpPurchaseOrder],
        synchronize: true,
      }),
      TradecloudModule.forRootAsync({
        inject: [getDataSourceToken()],
        useFactory: (dataSource: DataSource) => ({ database: { dataSource, schema } }),
      }),
    ],
  })
  class HostAppModule {}
  return HostAppModule;
}
