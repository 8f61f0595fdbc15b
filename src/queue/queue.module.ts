import { DynamicModule, Module } from '@nestjs/common';
import { InboxSignal } from './inbox-signal';
import { JobQueue } from './job-queue.service';
import { ReceivedBodies } from './received-bodies';

/**
 * The pg-boss job queue (domain-event deliveries, document downloads), started before and stopped
 * after the features that use it, the inbox signal shared by intake and the event workers, and the bodies intake hands to them.
 */
@Module({})
export class TradecloudQueueModule {
  static register(options: DynamicModule, database: DynamicModule): DynamicModule {
    return { module: TradecloudQueueModule, imports: [options, database], providers: [JobQueue, InboxSignal, ReceivedBodies], exports: [JobQueue, InboxSignal, ReceivedBodies] };
  }
}
