import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { resolveTradecloudOptions, TradecloudConfigurationError } from './resolved-options';

describe('resolveTradecloudOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveTradecloudOptions({ database: { url: 'postgres://localhost/x' } }).database).toEqual({
      url: 'postgres://localhost/x',
      dataSource: undefined,
      schema: 'tradecloud',
      queueSchema: 'tradecloud_queue',
      migrationsRun: true,
      poolSize: 10,
      connectAttempts: 30,
      connectRetryDelayMs: 2000,
    });
  });

  it('bounds the request bodies read at once: 16 MiB, a 30 s wait', () => {
    expect(resolveTradecloudOptions({ database: { url: 'postgres://localhost/x' } }).webhooks).toEqual({
      bodyLimitBytes: 50 * 1024 * 1024,
      concurrentBodyBytes: 16 * 1024 * 1024,
      bodyWaitSeconds: 30,
    });
  });

  it('keeps the queue beside the schema by default, or where it is told', () => {
    expect(resolveTradecloudOptions({ database: { url: 'postgres://localhost/x', schema: 'erp' } }).database.queueSchema).toBe('erp_queue');
    expect(resolveTradecloudOptions({ database: { url: 'postgres://localhost/x', queueSchema: 'jobs' } }).database.queueSchema).toBe('jobs');
  });

  it.each([
    [{}, /"database" is required/],
    [{ database: {} }, /exactly one of "database.url" and "database.dataSource"/],
    [
      { database: { url: 'postgres://localhost/x', dataSource: new DataSource({ type: 'postgres' }) } },
      /exactly one of "database.url" and "database.dataSource"/,
    ],
    [{ database: { url: 'http://localhost/x' } }, /"database.url" must be a postgres:\/\//],
    [{ database: { url: 'postgres://localhost/x', schema: 'Drop Table' } }, /"database.schema" must be a lower-case Postgres identifier/],
    [{ database: { url: 'postgres://localhost/x', queueSchema: 'Queue' } }, /"database.queueSchema" must be a lower-case Postgres identifier/],
    [{ database: { url: 'postgres://localhost/x', schema: 'tc', queueSchema: 'tc' } }, /"database.queueSchema" must differ from "database.schema"/],
    [{ database: { url: 'postgres://localhost/x', poolSize: 0 } }, /"database.poolSize" must be a positive integer, got 0/],
    [{ database: { url: 'postgres://localhost/x' }, webhooks: { concurrentBodyBytes: 0.5 } }, /"webhooks.concurrentBodyBytes" must be a positive integer, got 0.5/],
    [{ database: { url: 'postgres://localhost/x' }, webhooks: { bodyWaitSeconds: 0 } }, /"webhooks.bodyWaitSeconds" must be a positive integer, got 0/],
  ])('fails fast on %o', (options, message) => {
    expect(() => resolveTradecloudOptions(options as never)).toThrowError(TradecloudConfigurationError);
    expect(() => resolveTradecloudOptions(options as never)).toThrowError(message);
  });
});
