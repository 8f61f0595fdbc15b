import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from '../health/health.controller';
import { TradecloudModule } from '../tradecloud.module';
import { StandaloneEnvironment } from './environment';

/** The standalone service: the module configured from environment variables, plus `GET /health`. */
@Module({})
export class StandaloneAppModule {
  static register(environment: StandaloneEnvironment, databaseUrl: string): DynamicModule {
    return {
      module: StandaloneAppModule,
      imports: [
        TerminusModule,
        TradecloudModule.forRoot({
          database: {
            url: databaseUrl,
            schema: environment.databaseSchema,
            migrationsRun: environment.databaseMigrationsRun,
            poolSize: environment.databasePoolSize,
            connectAttempts: environment.databaseConnectAttempts,
            connectRetryDelayMs: environment.databaseConnectRetryDelayMs,
          },
          webhooks: { bodyLimitBytes: environment.webhookBodyLimitBytes },
          routePrefix: environment.webhookPathPrefix,
        }),
      ],
      controllers: [HealthController],
    };
  }
}
