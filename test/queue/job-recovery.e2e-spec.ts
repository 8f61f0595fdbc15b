import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, QueueJob } from '../../src/queue/job-queue.service';
import { startReceiverApp, ReceiverApp } from '../support/receiver-app';
import { TcpOutageProxy } from '../support/tcp-outage-proxy';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * A job must not wait for its timeout when its worker merely lost the database for a moment:
 * the outcome is recorded once the database is back. A job whose worker is really gone (it
 * hangs, or its process was killed) is handed out again after `queue.jobTimeoutSeconds` plus at
 * most one maintenance interval. The receiver's pool goes through a relay the test cuts.
 */
const JOB_TIMEOUT_SECONDS = 30;
const QUEUE = 'test-recovery';

interface Call {
  retryCount: number;
  release: (outcome: 'complete' | 'fail') => void;
}

describe('job queue recovery after losing the database', () => {
  let database: TestDatabase;
  let proxy: TcpOutageProxy;
  let receiver: ReceiverApp;
  let queue: JobQueue;
  const calls = new Map<string, Call[]>();
  const arrivals: Array<() => void> = [];

  beforeAll(async () => {
    database = await createTestDatabase('job_recovery');
    const direct = new URL(database.url);
    proxy = await TcpOutageProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    receiver = await startReceiverApp({
      databaseUrl: TcpOutageProxy.through(database.url, proxy),
      options: { queue: { concurrency: 2, retryDelaySeconds: 1, jobTimeoutSeconds: JOB_TIMEOUT_SECONDS, maintenanceIntervalSeconds: 1 } },
    });
    queue = receiver.app.get(JobQueue);
    await queue.createQueue(QUEUE);
    await queue.work<{ key: string }>(QUEUE, (job: QueueJob<{ key: string }>) =>
      new Promise<void>((resolve, reject) => {
        const list = calls.get(job.data.key) ?? [];
        list.push({ retryCount: job.retryCount, release: (outcome) => (outcome === 'complete' ? resolve() : reject(new Error('handler failed'))) });
        calls.set(job.data.key, list);
        arrivals.splice(0).forEach((arrived) => arrived());
      }),
    );
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    for (const list of calls.values()) for (const call of list) call.release('complete');
    await receiver?.close();
    await proxy?.stop();
    await database?.drop();
  });

  async function callsOf(key: string, count: number, timeoutMs: number): Promise<Call[]> {
    const deadline = Date.now() + timeoutMs;
    while ((calls.get(key)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`job ${key}: ${calls.get(key)?.length ?? 0} handler calls after ${timeoutMs} ms, expected ${count}`);
      await new Promise<void>((resolve) => {
        arrivals.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return calls.get(key)!;
  }

  async function jobState(key: string): Promise<{ state: string; retry_count: number }> {
    const { rows } = await receiver.sql.query(`SELECT state, retry_count FROM tradecloud_queue.job WHERE name = $1 AND data->>'key' = $2`, [QUEUE, key]);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function untilState(key: string, state: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while ((await jobState(key)).state !== state) {
      if (Date.now() - started > timeoutMs) throw new Error(`job ${key} is ${(await jobState(key)).state}, not ${state}, after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - started;
  }

  it('records a success that finished during an outage once the database is back, well before the job timeout', async () => {
    await queue.send(QUEUE, { key: 'finished-during-outage' });
    queue.wake(QUEUE);
    const [call] = await callsOf('finished-during-outage', 1, 10_000);
    proxy.cut();
    call.release('complete');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    proxy.restore();
    const tookMs = await untilState('finished-during-outage', 'completed', 15_000);
    expect(tookMs).toBeLessThan(JOB_TIMEOUT_SECONDS * 1000);
    expect(await jobState('finished-during-outage')).toEqual({ state: 'completed', retry_count: 0 });
    expect(calls.get('finished-during-outage')).toHaveLength(1);
  });

  it('records a failure from an outage once the database is back, so the retry runs after the retry delay, not the timeout', async () => {
    await queue.send(QUEUE, { key: 'failed-during-outage' });
    queue.wake(QUEUE);
    const [first] = await callsOf('failed-during-outage', 1, 10_000);
    proxy.cut();
    first.release('fail');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    proxy.restore();
    const restoredAt = Date.now();
    const [, second] = await callsOf('failed-during-outage', 2, 15_000);
    expect(Date.now() - restoredAt).toBeLessThan(JOB_TIMEOUT_SECONDS * 1000);
    expect(second.retryCount).toBe(1);
    second.release('complete');
    await untilState('failed-during-outage', 'completed', 10_000);
  });

  it('hands out again a job whose worker never answers, after the job timeout and one maintenance interval', async () => {
    const timeoutSeconds = 5;
    const shortQueue = `${QUEUE}-short`;
    await queue.createQueue(shortQueue, { jobTimeoutSeconds: timeoutSeconds });
    const started = new Map<number, number>();
    const hung: Array<() => void> = [];
    await queue.work<{ key: string }>(shortQueue, (job) => {
      started.set(job.retryCount, Date.now());
      // The first attempt never ends, as if its process had died; the second succeeds.
      return job.retryCount === 0 ? new Promise<void>((resolve) => hung.push(resolve)) : Promise.resolve();
    });
    await queue.send(shortQueue, { key: 'hung' });
    queue.wake(shortQueue);
    const deadline = Date.now() + (timeoutSeconds + 15) * 1000;
    while (!started.has(1)) {
      if (Date.now() > deadline) throw new Error(`the hung job was not handed out again within ${timeoutSeconds + 15} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const waitedMs = started.get(1)! - started.get(0)!;
    expect(waitedMs).toBeGreaterThanOrEqual(timeoutSeconds * 1000);
    const { rows } = await receiver.sql.query(`SELECT state FROM tradecloud_queue.job WHERE name = $1`, [shortQueue]);
    hung.forEach((resolve) => resolve());
    expect(rows.map((row) => row.state)).toEqual(expect.arrayContaining(['completed']));
  });
});
