import { ConsoleLogger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, QueueJob } from '../../src/queue/job-queue.service';
import { runCliJson } from '../cli/cli-process';
import { startReceiverApp, ReceiverApp } from '../support/receiver-app';
import { useDatabase, waitFor } from '../support/receiver-fixture';
import { TcpOutageProxy } from '../support/tcp-outage-proxy';

/**
 * A job must not wait for its timeout when its worker merely lost the database for a moment:
 * the outcome is recorded once the database is back. A job whose worker is really gone (it
 * hangs, or its process was killed) is handed out again after `queue.jobTimeoutSeconds` plus at
 * most one maintenance interval. The receiver's pool goes through a relay the test cuts. What the
 * queue holds is read the way an operator reads it: `tradecloud status --json` (waiting and
 * running jobs per queue).
 */
const JOB_TIMEOUT_SECONDS = 30;
const QUEUE = 'test-recovery';

interface Call {
  jobId: string;
  retryCount: number;
  release: (outcome: 'complete' | 'fail') => void;
}

/** Keeps the warnings the receiver logs (and prints them as before), to see it try to record an outcome while the database is cut off. */
class RecordingLogger extends ConsoleLogger {
  readonly warnings: string[] = [];

  constructor() {
    super();
    this.setLogLevels(process.env.TEST_LOG ? ['error', 'warn', 'log', 'debug'] : ['error', 'warn']); // as startReceiverApp's default logger
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    this.warnings.push(String(message));
    super.warn(message, ...rest);
  }
}

describe('job queue recovery after losing the database', () => {
  const database = useDatabase('job_recovery');
  let proxy: TcpOutageProxy;
  let receiver: ReceiverApp;
  let queue: JobQueue;
  const calls = new Map<string, Call[]>();
  const arrivals: Array<() => void> = [];
  const logger = new RecordingLogger();

  beforeAll(async () => {
    const direct = new URL(database.url);
    proxy = await TcpOutageProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    receiver = await startReceiverApp({
      databaseUrl: TcpOutageProxy.through(database.url, proxy),
      options: { queue: { concurrency: 2, retryDelaySeconds: 1, jobTimeoutSeconds: JOB_TIMEOUT_SECONDS, maintenanceIntervalSeconds: 1 } },
      appOptions: { logger },
    });
    queue = receiver.app.get(JobQueue);
    await queue.createQueue(QUEUE);
    await queue.work<{ key: string }>(QUEUE, (job: QueueJob<{ key: string }>) =>
      new Promise<void>((resolve, reject) => {
        const list = calls.get(job.data.key) ?? [];
        list.push({ jobId: job.id, retryCount: job.retryCount, release: (outcome) => (outcome === 'complete' ? resolve() : reject(new Error('handler failed'))) });
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
  });

  async function callsOf(key: string, count: number): Promise<Call[]> {
    await waitFor(() => expect(calls.get(key)?.length ?? 0).toBeGreaterThanOrEqual(count));
    return calls.get(key)!;
  }

  /**
   * The outage lasts until the receiver has failed to record the job's outcome at least once:
   * from then on, only its retrying can get the outcome recorded before the timeout.
   */
  async function outcomeRefused(call: Call): Promise<void> {
    await waitFor(() => expect(logger.warnings).toContainEqual(expect.stringContaining(`Cannot record the outcome of job ${call.jobId} (queue ${QUEUE}), retrying`)));
  }

  /** Waiting and running jobs of a queue, as `tradecloud status --json` reports them (none: absent). */
  async function queueDepth(name: string): Promise<{ waiting: number; active: number }> {
    const status = await runCliJson<{ queues: Array<{ queue: string; waiting: number; active: number }> }>(['status', '--json'], {
      DATABASE_URL: database.url,
    });
    const row = status.queues.find((queue) => queue.queue === name);
    return { waiting: row?.waiting ?? 0, active: row?.active ?? 0 };
  }

  it('records a success that finished during an outage once the database is back, well before the job timeout', async () => {
    await queue.send(QUEUE, { key: 'finished-during-outage' });
    queue.wake(QUEUE);
    const [call] = await callsOf('finished-during-outage', 1);
    proxy.cut();
    call.release('complete');
    await outcomeRefused(call);
    proxy.restore();
    const restoredAt = Date.now();
    // Recorded: nothing waiting or running any more, long before the timeout would hand it out again.
    await waitFor(async () => expect(await queueDepth(QUEUE)).toEqual({ waiting: 0, active: 0 }), { timeout: 20_000 });
    expect(Date.now() - restoredAt).toBeLessThan(JOB_TIMEOUT_SECONDS * 1000);
    expect(calls.get('finished-during-outage')).toHaveLength(1);
  });

  it('records a failure from an outage once the database is back, so the retry runs after the retry delay, not the timeout', async () => {
    await queue.send(QUEUE, { key: 'failed-during-outage' });
    queue.wake(QUEUE);
    const [first] = await callsOf('failed-during-outage', 1);
    proxy.cut();
    first.release('fail');
    await outcomeRefused(first);
    proxy.restore();
    const restoredAt = Date.now();
    const [, second] = await callsOf('failed-during-outage', 2);
    expect(Date.now() - restoredAt).toBeLessThan(JOB_TIMEOUT_SECONDS * 1000);
    expect(second.retryCount).toBe(1);
    second.release('complete');
    await waitFor(async () => expect(await queueDepth(QUEUE)).toEqual({ waiting: 0, active: 0 }), { timeout: 20_000 });
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
    await waitFor(() => expect(started.has(1)).toBe(true), { timeout: (timeoutSeconds + 15) * 1000 });
    const waitedMs = started.get(1)! - started.get(0)!;
    expect(waitedMs).toBeGreaterThanOrEqual(timeoutSeconds * 1000);
    await waitFor(async () => expect(await queueDepth(shortQueue)).toEqual({ waiting: 0, active: 0 }));
    hung.forEach((resolve) => resolve());
  });
});
