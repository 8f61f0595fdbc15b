import { DynamicModule, Module } from '@nestjs/common';
import { PipelineEvents } from './pipeline-events';
import { WebhookObserverGuard } from './webhook-observer.guard';

/**
 * The pipeline's in-process event stream (logs and metrics listen to it) and the guard that
 * reports requests. Registered per TradecloudModule import, so each import has its own stream.
 */
@Module({})
export class TradecloudObservabilityModule {
  static register(): DynamicModule {
    return {
      module: TradecloudObservabilityModule,
      providers: [PipelineEvents, WebhookObserverGuard],
      exports: [PipelineEvents, WebhookObserverGuard],
    };
  }
}
