import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TradecloudDatabase } from '../../src/database/tradecloud-database.service';
import { JobQueue, QueueJob } from '../../src/queue/job-queue.service';
import { startReceiverApp, ReceiverApp } from '../support/receiver-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The queue's worker loops against a real PostgreSQL: batches, completion inside the handler's transaction. */
describe('job queue workers', () => {
  let database: TestDatabase;
  let receiver: ReceiverApp;
  let queue: JobQueue;
  let db: TradecloudDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('job_queue');
    receiver = await startReceiverApp({ databaseUrl: database.url, options: { queue: { concurrency: 3, retryDelaySeconds: 1 } } });
    queue = receiver.app.get(JobQueue);
    db = receiver.app.get(TradecloudDatabase);
    await db.query(`CREATE TABLE tradecloud.test_work (key text, attempt int)`);
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
  });

  async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const states = async (name: string) =>
    (await receiver.sql.query(`SELECT state, count(*)::int AS n FROM tradecloud_queue.job WHERE name = $1 GROUP BY state ORDER BY state`, [name])).rows;

  it('runs a backlog of 200 jobs exactly once each, taking several per fetch', async () => {
    const name = 'test-backlog';
    await queue.createQueue(name);
    for (let i = 0; i < 200; i++) await queue.send(name, { key: `job-${i}` });
    const runs = new Map<string, number>();
    await queue.work<{ key: string }>(name, async (job) => {
      runs.set(job.data.key, (runs.get(job.data.key) ?? 0) + 1);
    });
    queue.wake(name);
    await until('200 completed jobs', async () => ((await states(name)).find((row) => row.state === 'completed')?.n === 200 ? true : undefined));
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await states(name)).toEqual([{ state: 'completed', n: 200 }]);
    // Jobs taken by one fetch share its transaction's start time: far fewer fetches than jobs.
    const fetches = (await receiver.sql.query(`SELECT count(DISTINCT started_on)::int AS n FROM tradecloud_queue.job WHERE name = $1`, [name])).rows[0].n;
    expect(fetches).toBeLessThanOrEqual(60);
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
    await until('both jobs completed', async () => ((await states(name)).find((row) => row.state === 'completed')?.n === 2 ? true : undefined));
    const work = (await receiver.sql.query(`SELECT key, attempt FROM tradecloud.test_work ORDER BY key`)).rows;
    expect(work).toEqual([
      { key: 'commits', attempt: 1 },
      { key: 'rolls-back-once', attempt: 2 },
    ]);
    expect(seen.filter((call) => call.key === 'commits')).toEqual([{ key: 'commits', retryCount: 0 }]);
    expect(seen.filter((call) => call.key === 'rolls-back-once').map((call) => call.retryCount)).toEqual([0, 1]);
    const jobs = (await receiver.sql.query(`SELECT data->>'key' AS key, retry_count FROM tradecloud_queue.job WHERE name = $1 ORDER BY 1`, [name])).rows;
    expect(jobs).toEqual([
      { key: 'commits', retry_count: 0 },
      { key: 'rolls-back-once', retry_count: 1 },
    ]);
  });
});
