import { beforeAll, describe, expect, it } from 'vitest';
import { TradecloudDatabase } from '../../src/database/tradecloud-database.service';
import { JobQueue, QueueJob } from '../../src/queue/job-queue.service';
import { useReceiver, waitFor } from '../support/receiver-fixture';

/**
 * The job queue's worker loops (domain-event deliveries, document downloads) against a real
 * PostgreSQL: a backlog, completion inside the handler's transaction. Observed through the
 * handlers and our own table, not through pg-boss's tables.
 */
describe('job queue workers', () => {
  const receiver = useReceiver({ label: 'job_queue', options: { queue: { concurrency: 3, retryDelaySeconds: 1 } } });
  let queue: JobQueue;
  let db: TradecloudDatabase;

  beforeAll(async () => {
    queue = receiver.app!.get(JobQueue);
    db = receiver.app!.get(TradecloudDatabase);
    await db.query(`CREATE TABLE tradecloud.test_work (key text, attempt int)`);
  });

  it('runs a backlog of 200 jobs exactly once each', async () => {
    const name = 'test-backlog';
    await queue.createQueue(name);
    for (let i = 0; i < 200; i++) await queue.send(name, { key: `job-${i}` });
    const runs = new Map<string, number>();
    await queue.work<{ key: string }>(name, async (job) => {
      runs.set(job.data.key, (runs.get(job.data.key) ?? 0) + 1);
    });
    queue.wake(name);
    await waitFor(() => expect(runs.size).toBe(200));
    // A sentinel sent after the backlog runs after it (oldest first): no job of the backlog is
    // still waiting to run a second time once the sentinel has run.
    let sentinel = 0;
    const sentinelQueue = 'test-backlog-sentinel';
    await queue.createQueue(sentinelQueue);
    await queue.work(sentinelQueue, async () => {
      sentinel++;
    });
    await queue.send(sentinelQueue, {});
    queue.wake(sentinelQueue);
    await waitFor(() => expect(sentinel).toBe(1));
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
  });

  it('completes a job inside the handler transaction: committed together, or rolled back together and retried', async () => {
    const name = 'test-complete-within';
    await queue.createQueue(name);
    const seen: Array<{ key: string; retryCount: number }> = [];
    await queue.work<{ key: string; failFirst: boolean }>(name, async (job: QueueJob<{ key: string; failFirst: boolean }>) => {
      seen.push({ key: job.data.key, retryCount: job.retryCount });
      await db.transaction(async (client) => {
        await client.query(`INSERT INTO tradecloud.test_work (key, attempt) VALUES ($1, $2)`, [job.data.key, job.retryCount + 1]);
        await job.completeWithin(client);
        // The completion is part of this transaction: a failure after it rolls both back.
        if (job.data.failFirst && job.retryCount === 0) throw new Error('failing after completeWithin');
      });
    });
    await queue.send(name, { key: 'commits', failFirst: false });
    await queue.send(name, { key: 'rolls-back-once', failFirst: true });
    queue.wake(name);
    // Both committed: the first attempt's row of 'rolls-back-once' was rolled back with its completion.
    const work = async () => (await receiver.sql.query(`SELECT key, attempt FROM tradecloud.test_work ORDER BY key`)).rows;
    await waitFor(async () => expect(await work()).toHaveLength(2));
    expect(await work()).toEqual([
      { key: 'commits', attempt: 1 },
      { key: 'rolls-back-once', attempt: 2 },
    ]);
    expect(seen.filter((call) => call.key === 'commits')).toEqual([{ key: 'commits', retryCount: 0 }]);
    expect(seen.filter((call) => call.key === 'rolls-back-once').map((call) => call.retryCount)).toEqual([0, 1]);
  });
});
