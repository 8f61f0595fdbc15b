import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { TradecloudAuthOptions } from '../auth/auth-options';
import { HealthController } from '../health/health.controller';
import { TradecloudMetricsModule } from '../observability/metrics/metrics.module';
import { TradecloudModule } from '../tradecloud.module';
import { DevCredentials } from './dev-credentials';
import { StandaloneEnvironment } from './environment';
import { PipelineLogProvider } from './pipeline-log.provider';
import type { StandaloneLogging } from './start-up-logger';

/** The module's `auth` options from the `WEBHOOK_*` variables, or from generated development credentials. */
export function standaloneAuthOptions(environment: StandaloneEnvironment, devCredentials?: DevCredentials): TradecloudAuthOptions {
  const auth = environment.webhookAuth;
  return {
    disabled: auth.disabled,
    requireCredentials: environment.production,
    basic: devCredentials ? [devCredentials.basic] : auth.basic,
    bearerTokens: devCredentials ? [devCredentials.bearerToken] : auth.bearerTokens,
    oauth: auth.oauth,
    kinds: auth.shipmentsOAuthEnabled ? { shipments: { oauth: true } } : undefined,
  };
}

/**
 * `/metrics` is served outside production, with `METRICS_TOKEN`, or with `METRICS_PUBLIC=true`;
 * a production start without either keeps it closed (it tells how busy and how healthy the
 * service is, and which partners it talks to).
 */
export function metricsServed(environment: StandaloneEnvironment): boolean {
  return !environment.production || Boolean(environment.metricsToken) || environment.hardening.metricsPublic;
}

/**
 * The standalone service: the module configured from environment variables, plus `GET /health`,
 * `GET /metrics`, request ids and JSON logs.
 */
@Module({})
export class StandaloneAppModule {
  static register(environment: StandaloneEnvironment, databaseUrl: string, devCredentials: DevCredentials | undefined, logging: StandaloneLogging): DynamicModule {
    return {
      module: StandaloneAppModule,
      imports: [
        TerminusModule,
        LoggerModule.forRoot(logging.params),
        TradecloudMetricsModule.forRoot({ controller: metricsServed(environment), bearerToken: environment.metricsToken }),
        TradecloudModule.forRoot({
          database: {
            url: databaseUrl,
            schema: environment.databaseSchema,
            queueSchema: environment.databaseQueueSchema,
            migrationsRun: environment.databaseMigrationsRun,
            poolSize: environment.databasePoolSize,
            connectAttempts: environment.databaseConnectAttempts,
            connectRetryDelayMs: environment.databaseConnectRetryDelayMs,
          },
          auth: standaloneAuthOptions(environment, devCredentials),
          tradecloudApi: environment.tradecloudApi,
          documents: environment.documents,
          // Without API credentials the interval is off unless TRADECLOUD_RECONCILE_INTERVAL asks for it (then start-up fails, naming it).
          reconcile: environment.reconcile,
          queue: environment.queue,
          retention: environment.retention,
          webhooks: {
            bodyLimitBytes: environment.webhookBodyLimitBytes,
            concurrentBodyBytes: environment.webhookConcurrentBodyBytes,
            bodyWaitSeconds: environment.webhookBodyWaitSeconds,
            trustProxy: environment.hardening.trustProxy,
            allowedSources: environment.hardening.allowedSources,
          },
          routePrefix: environment.webhookPathPrefix,
        }),
      ],
      controllers: [HealthController],
      providers: [PipelineLogProvider.for(logging.root)],
    };
  }
}
