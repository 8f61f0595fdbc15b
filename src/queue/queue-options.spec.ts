import { describe, expect, it } from 'vitest';
import { QUEUE_DEFAULTS, resolveQueueOptions } from './queue-options';

describe('resolveQueueOptions', () => {
  it('fills in the defaults: a lost event job is handed out again after 60 s, maintenance every 30 s', () => {
    const problems: string[] = [];
    expect(resolveQueueOptions(undefined, problems)).toEqual(QUEUE_DEFAULTS);
    expect(QUEUE_DEFAULTS).toMatchObject({ jobTimeoutSeconds: 60, maintenanceIntervalSeconds: 30, batchBodyBytes: 16 * 1024 * 1024 });
    expect(problems).toEqual([]);
  });

  it('keeps given values', () => {
    const problems: string[] = [];
    const given = { concurrency: 8, batchSize: 16, batchBodyBytes: 65_536, attempts: 3, retryDelaySeconds: 10, jobTimeoutSeconds: 600, maintenanceIntervalSeconds: 5, pollingIntervalSeconds: 0.5, workers: false };
    expect(resolveQueueOptions(given, problems)).toEqual(given);
    expect(problems).toEqual([]);
  });

  it('names every wrong option and falls back to its default', () => {
    const problems: string[] = [];
    const resolved = resolveQueueOptions(
      { concurrency: 0, batchBodyBytes: 1024, jobTimeoutSeconds: 4, maintenanceIntervalSeconds: 1.5, pollingIntervalSeconds: 0.1, workers: 'yes' as never },
      problems,
    );
    expect(problems).toEqual([
      '"queue.pollingIntervalSeconds" must be at least 0.5, got 0.1',
      '"queue.workers" must be true or false, got yes',
      '"queue.concurrency" must be an integer from 1 to 1000, got 0',
      '"queue.batchBodyBytes" must be an integer from 65536 to 1073741824, got 1024',
      '"queue.jobTimeoutSeconds" must be an integer from 5 to 86400, got 4',
      '"queue.maintenanceIntervalSeconds" must be an integer from 1 to 3600, got 1.5',
    ]);
    expect(resolved).toEqual(QUEUE_DEFAULTS);
  });
});
