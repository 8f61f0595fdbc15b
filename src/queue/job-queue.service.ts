import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { SqlClient, TradecloudDatabase } from '../database/tradecloud-database.service';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';

export interface QueueJob<T> {
  id: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
}

/**
 * The durable job queue: pg-boss, in the module's own schema, on the module's own pool. Jobs
 * are sent inside the transaction that stores what they refer to, so an event is never stored
 * without its job nor a job sent for an event that was rolled back.
 */
@Injectable()
export class JobQueue implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('TradecloudQueue');
  private boss?: PgBoss;
  private readonly workerIds = new Map<string, string[]>();

  constructor(
    private readonly database: TradecloudDatabase,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const pool = this.database.pool;
    const boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
      schema: this.database.schema,
      schedule: false,
      supervise: true,
      migrate: true,
    } as PgBoss.ConstructorOptions);
    boss.on('error', (error) => this.logger.warn(`Queue maintenance error: ${(error as Error).message}`));
    await boss.start();
    this.boss = boss;
  }

  /** Creates (or updates) a queue with the module's retry policy. */
  async createQueue(name: string): Promise<void> {
    const { queue } = this.options;
    const policy = {
      retryLimit: queue.attempts - 1,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.jobTimeoutSeconds,
      retentionDays: 7,
    };
    const existing = await this.requireBoss().getQueue(name);
    if (existing) await this.requireBoss().updateQueue(name, { name, ...policy });
    else await this.requireBoss().createQueue(name, { name, ...policy });
  }

  /** Sends a job in the caller's transaction (`client`), or on its own when no client is given. */
  async send<T extends object>(name: string, data: T, client?: SqlClient): Promise<void> {
    const db = client
      ? { executeSql: (text: string, values: unknown[]) => client.query(text, values as unknown[]) }
      : undefined;
    await this.requireBoss().send(name, data, db ? { db } : {});
  }

  /** Wakes this instance's idle workers of a queue, so that a job sent a moment ago starts now. */
  wake(name: string): void {
    for (const id of this.workerIds.get(name) ?? []) this.boss?.notifyWorker(id);
  }

  /** Starts `concurrency` workers that each take one job at a time. A thrown error fails the attempt (retried later). */
  async work<T extends object>(name: string, handler: (job: QueueJob<T>) => Promise<void>): Promise<void> {
    const { queue } = this.options;
    if (!queue.workers) return;
    const ids: string[] = [];
    for (let i = 0; i < queue.concurrency; i++) {
      ids.push(
        await this.requireBoss().work<T>(
          name,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: queue.pollingIntervalSeconds },
          async ([job]) => handler({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit }),
        ),
      );
    }
    this.workerIds.set(name, ids);
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Lets running jobs finish (bounded), then stops polling; the pool itself is closed later.
    await this.boss?.stop({ graceful: true, wait: true, close: false, timeout: 20_000 });
    this.boss = undefined;
  }

  private requireBoss(): PgBoss {
    if (!this.boss) throw new Error('The job queue is not running');
    return this.boss;
  }
}
