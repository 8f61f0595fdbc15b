import { DynamicModule, Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service';

/** The pg-boss job queue, started before and stopped after the features that use it. */
@Module({})
export class TradecloudQueueModule {
  static register(options: DynamicModule, database: DynamicModule): DynamicModule {
    return { module: TradecloudQueueModule, imports: [options, database], providers: [JobQueue], exports: [JobQueue] };
  }
}
