import { OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Logger as PinoRoot } from 'pino';
import { PipelineEvents } from '../observability/pipeline-events';
import { PipelineLog } from '../observability/pipeline-log';

/**
 * Attaches the pipeline's request and processing lines to the standalone service's logger.
 * Detached at the very end of a shutdown, so that jobs finishing during the shutdown are logged.
 */
export class PipelineLogProvider implements OnApplicationShutdown {
  private constructor(private readonly log: PipelineLog) {}

  static for(root: PinoRoot): Provider {
    return {
      provide: PipelineLogProvider,
      inject: [PipelineEvents],
      useFactory: (events: PipelineEvents) => new PipelineLogProvider(new PipelineLog(root).attach(events)),
    };
  }

  onApplicationShutdown(): void {
    this.log.detach();
  }
}
