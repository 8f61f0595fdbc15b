import { DynamicModule, Module } from '@nestjs/common';
import { MetricsController, TRADECLOUD_METRICS_OPTIONS, TradecloudMetricsOptions } from './metrics.controller';
import { TradecloudMetrics } from './tradecloud-metrics';

/**
 * Prometheus metrics of the receiver. Import it next to `TradecloudModule` (it finds the
 * module's services in the application rather than importing it, so the host's configuration
 * of TradecloudModule stays the only one):
 *
 * ```ts
 * imports: [TradecloudModule.forRoot({...}), TradecloudMetricsModule.forRoot({ controller: true, bearerToken: process.env.METRICS_TOKEN })]
 * ```
 */
@Module({})
export class TradecloudMetricsModule {
  static forRoot(options: TradecloudMetricsOptions = {}): DynamicModule {
    return {
      module: TradecloudMetricsModule,
      providers: [TradecloudMetrics, { provide: TRADECLOUD_METRICS_OPTIONS, useValue: options }],
      controllers: options.controller ? [MetricsController] : [],
      exports: [TradecloudMetrics],
    };
  }
}
