import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TradecloudModule } from 'nestjs-tradecloud-receiver';
import { ErpLineSync } from './erp-line-sync.service';
import { ErpLineUpdate } from './erp-line-update.entity';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    // The host's own DataSource and entities.
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [ErpLineUpdate],
        synchronize: true, // a real host runs its own migrations
      }),
    }),
    TypeOrmModule.forFeature([ErpLineUpdate]),
    // The receiver, on the same DataSource, with its tables in the schema "tradecloud".
    TradecloudModule.forRootAsync({
      inject: [ConfigService, getDataSourceToken()],
      useFactory: (config: ConfigService, dataSource: DataSource) => ({
        database: { dataSource, schema: 'tradecloud' },
        auth: {
          basic: [
            {
              username: config.getOrThrow<string>('TRADECLOUD_WEBHOOK_USERNAME'),
              password: config.getOrThrow<string>('TRADECLOUD_WEBHOOK_PASSWORD'),
            },
          ],
        },
        tradecloudApi: config.get('TRADECLOUD_API_URL')
          ? {
              baseUrl: config.getOrThrow<string>('TRADECLOUD_API_URL'),
              username: config.getOrThrow<string>('TRADECLOUD_API_USERNAME'),
              password: config.getOrThrow<string>('TRADECLOUD_API_PASSWORD'),
            }
          : undefined,
      }),
    }),
  ],
  providers: [ErpLineSync],
})
export class AppModule {}
