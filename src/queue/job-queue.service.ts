import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { SqlClient, TradecloudDatabase } from '../database/tradecloud-database.service';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';

type JobOutcome = { ok: true } | { ok: false; message: string };

/** Per-queue settings that differ from the module's `queue` options. */
export interface QueuePolicy {
  /** Overrides `queue.jobTimeoutSeconds` for this queue (e.g. downloads, which may take long). */
  jobTimeoutSeconds?: number;
  /** Overrides `queue.attempts` for this queue. */
  attempts?: number;
}

export interface QueueJob<T> {
  id: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
  /**
   * Marks the job completed inside the caller's transaction (`client`), so that the work and
   * its completion commit or roll back together and no separate statement is needed afterwards.
   * Without it, the job is completed after the handler returns.
   */
  completeWithin(client: SqlClient): Promise<void>;
}

/** The order in which pg-boss hands out jobs: priority first, then oldest first. */
function byQueueOrder(a: PgBoss.JobWithMetadata<object>, b: PgBoss.JobWithMetadata<object>): number {
  return b.priority - a.priority || new Date(a.createdOn).getTime() - new Date(b.createdOn).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Most jobs one worker loop takes per fetch, while the queue has a backlog. */
const MAX_FETCH_BATCH = 8;

/**
 * The durable job queue: pg-boss, in its own schema (`database.queueSchema`, default
 * `<schema>_queue`, so that the receiver's schema holds only its own tables), on the module's pool. Jobs
 * are sent inside the transaction that stores what they refer to, so an event is never stored
 * without its job nor a job sent for an event that was rolled back.
 */
@Injectable()
export class JobQueue implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('TradecloudQueue');
  private boss?: PgBoss;
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Wakes per queue so far: a loop compares it across its fetch, so that a wake during the fetch is not lost. */
  private readonly wakes = new Map<string, number>();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private queueCreation: Promise<void> = Promise.resolve();
  private readonly timeouts = new Map<string, number>();

  constructor(
    private readonly database: TradecloudDatabase,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const pool = this.database.pool;
    const boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
      schema: this.database.queueSchema,
      schedule: false,
      supervise: true,
      // Maintenance hands out again jobs whose worker is gone; see queue.jobTimeoutSeconds.
      maintenanceIntervalSeconds: this.options.queue.maintenanceIntervalSeconds,
      // Its tables come from our migrations (CreateJobQueue), never from pg-boss at start-up.
      migrate: false,
    } as PgBoss.ConstructorOptions);
    boss.on('error', (error) => this.logger.warn(`Queue maintenance error: ${(error as Error).message}`));
    try {
      await boss.start();
    } catch (error) {
      const message = (error as Error).message;
      if (/not installed|requires migrations/.test(message)) {
        throw new Error(
          `The job queue tables in schema "${this.database.queueSchema}" are missing or out of date (${message}): ` +
            'run the migrations (npm run migration:run), or let the receiver run them (DATABASE_MIGRATIONS_RUN=true).',
        );
      }
      throw error;
    }
    this.boss = boss;
  }

  /**
   * Creates (or updates) a queue with the module's retry policy. Queue creation adds a table
   * partition: two creations at once (several features at start-up, or several instances
   * starting together) can deadlock, so they are chained here and retried on a deadlock.
   */
  createQueue(name: string, overrides: QueuePolicy = {}): Promise<void> {
    this.timeouts.set(name, overrides.jobTimeoutSeconds ?? this.options.queue.jobTimeoutSeconds);
    const next = this.queueCreation.then(() => this.createQueueWithRetry(name, overrides.attempts ?? this.options.queue.attempts));
    this.queueCreation = next.catch(() => undefined);
    return next;
  }

  private async createQueueWithRetry(name: string, attempts: number): Promise<void> {
    const { queue } = this.options;
    const policy = {
      name,
      retryLimit: attempts - 1,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.jobTimeoutSeconds(name),
      retentionDays: 7,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await this.requireBoss().getQueue(name);
        if (existing) await this.requireBoss().updateQueue(name, policy);
        else await this.requireBoss().createQueue(name, policy);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 100));
      }
    }
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
    this.wakes.set(name, (this.wakes.get(name) ?? 0) + 1);
    for (const wake of [...(this.waiters.get(name) ?? [])]) wake();
  }

  /**
   * Starts `concurrency` worker loops that each take one job at a time and go straight on to
   * the next while there is work (pg-boss's own `work()` pauses a polling interval between
   * fetches, which would cap a worker at a couple of jobs per second). An idle loop waits for
   * `wake()` or the polling interval. A thrown error fails the attempt; the queue retries it later.
   */
  async work<T extends object>(name: string, handler: (job: QueueJob<T>) => Promise<void>): Promise<void> {
    const { queue } = this.options;
    if (!queue.workers) return;
    for (let i = 0; i < queue.concurrency; i++) this.loops.push(this.runLoop(name, handler));
  }

  /**
   * One worker loop. While the queue has a backlog the loop takes several jobs per fetch (one
   * round trip instead of several), doubling up to {@link MAX_FETCH_BATCH}; when a fetch finds
   * fewer jobs than asked, it goes back to one job at a time, so that a short queue is shared
   * between the loops instead of being run by one of them in sequence.
   */
  private async runLoop<T extends object>(name: string, handler: (job: QueueJob<T>) => Promise<void>): Promise<void> {
    const boss = this.requireBoss();
    let batchSize = 1;
    while (!this.stopping) {
      let jobs: PgBoss.JobWithMetadata<T>[];
      // A job sent (and its wake given) while this fetch runs may be missed by it: the wake then
      // ends the idle wait below at once instead of being lost until the polling interval.
      const wakesBefore = this.wakes.get(name) ?? 0;
      try {
        jobs = (await boss.fetch<T>(name, { batchSize, includeMetadata: true })) ?? [];
      } catch (error) {
        this.logger.warn(`Cannot fetch jobs from queue ${name} (will retry): ${(error as Error).message}`);
        await this.idle(name, Math.max(2, this.options.queue.pollingIntervalSeconds));
        continue;
      }
      batchSize = jobs.length === batchSize ? Math.min(MAX_FETCH_BATCH, batchSize * 2) : 1;
      if (!jobs.length) {
        if ((this.wakes.get(name) ?? 0) === wakesBefore) await this.idle(name, this.options.queue.pollingIntervalSeconds);
        continue;
      }
      // The fetch's UPDATE … RETURNING gives the batch back in no particular order; run it in
      // the queue's own order, so that events of one order received in sequence run in sequence.
      jobs.sort(byQueueOrder);
      for (const [index, job] of jobs.entries()) {
        if (this.stopping) {
          await this.release(name, jobs.slice(index).map((unstarted) => unstarted.id));
          break;
        }
        await this.runJob(name, job, handler);
      }
    }
  }

  private async runJob<T extends object>(name: string, job: PgBoss.JobWithMetadata<T>, handler: (job: QueueJob<T>) => Promise<void>): Promise<void> {
    let completedWithin = false;
    let outcome: JobOutcome;
    try {
      await handler({
        id: job.id,
        data: job.data,
        retryCount: job.retryCount,
        retryLimit: job.retryLimit,
        completeWithin: async (client) => {
          await this.requireBoss().complete(name, job.id, {}, { db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) } });
          completedWithin = true;
        },
      });
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, message: (error as Error)?.message ?? String(error) };
    }
    // Completed in the handler's committed transaction: nothing left to record. (Had that
    // transaction rolled back, the handler would have thrown, and the failure is recorded.)
    if (outcome.ok && completedWithin) return;
    await this.recordOutcome(name, job.id, outcome);
  }

  /**
   * Gives jobs fetched but not started back to the queue at shutdown, as if never fetched (no
   * attempt used), so that another instance (or this one, restarted) takes them at once rather
   * than after their timeout. A job that cannot be released that way simply times out.
   */
  private async release(name: string, jobIds: string[]): Promise<void> {
    await this.database
      .query(
        `UPDATE ${this.database.queueTable('job')} SET state = 'created', started_on = NULL, start_after = now()
          WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
        [name, jobIds],
      )
      .catch((error) => this.logger.warn(`Cannot give ${jobIds.length} unstarted job(s) of queue ${name} back: ${(error as Error).message}`));
  }

  /**
   * Records a job's outcome, retrying while the database is unreachable. A job whose outcome is
   * never recorded stays `active` until its timeout, so an outage of a few seconds would hold its
   * event back for a minute or more; retrying here lets it resume (or complete) as soon as the
   * database is back. Gives up at shutdown, or once the job's timeout has passed: by then the
   * queue's maintenance hands the job out again, and a late mark would count one attempt twice.
   */
  private async recordOutcome(name: string, jobId: string, outcome: JobOutcome): Promise<void> {
    const boss = this.requireBoss();
    const deadline = Date.now() + this.jobTimeoutSeconds(name) * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        if (outcome.ok) await boss.complete(name, jobId);
        else await boss.fail(name, jobId, { message: outcome.message });
        if (attempt > 0) this.logger.log(`Recorded the outcome of job ${jobId} (queue ${name}) after ${attempt} retries`);
        return;
      } catch (error) {
        const pause = Math.min(5_000, 250 * 2 ** attempt) * (0.75 + Math.random() / 2);
        if (this.stopping || Date.now() + pause >= deadline) {
          this.logger.warn(
            `Cannot record the outcome of job ${jobId} (queue ${name}): ${(error as Error).message}; ` +
              'the queue hands it out again after its timeout',
          );
          return;
        }
        if (attempt === 0) this.logger.warn(`Cannot record the outcome of job ${jobId} (queue ${name}), retrying: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private jobTimeoutSeconds(name: string): number {
    return this.timeouts.get(name) ?? this.options.queue.jobTimeoutSeconds;
  }

  /** Waits for `wake(name)`, the given seconds, or shutdown, whichever comes first. */
  private idle(name: string, seconds: number): Promise<void> {
    // Shutdown may have begun while the loop was fetching: its wake-up has been given already.
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      const waiters = this.waiters.get(name) ?? new Set<() => void>();
      this.waiters.set(name, waiters);
      waiters.add(done);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Lets running jobs finish (bounded), then stops; the pool itself is closed later.
    this.stopping = true;
    for (const waiters of this.waiters.values()) for (const wake of [...waiters]) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.loops),
      new Promise((resolve) => (timer = setTimeout(resolve, 20_000))),
    ]);
    clearTimeout(timer);
    await this.boss?.stop({ graceful: false, wait: true, close: false, timeout: 5_000 });
    this.boss = undefined;
  }

  private requireBoss(): PgBoss {
    if (!this.boss) throw new Error('The job queue is not running');
    return this.boss;
  }
}
