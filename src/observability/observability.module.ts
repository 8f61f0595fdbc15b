import { Module } from '@nestjs/common';
import { PipelineEvents } from './pipeline-events';
import { WebhookObserverGuard } from './webhook-observer.guard';

/** The pipeline's in-process event stream (logs and metrics listen to it) and the guard that reports requests. */
@Module({
  providers: [PipelineEvents, WebhookObserverGuard],
  exports: [PipelineEvents, WebhookObserverGuard],
})
export class TradecloudObservabilityModule {}
