import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { TRADECLOUD_DATA_SOURCE } from '../database/database.providers';

/**
 * Reports whether the module's database answers. Exported so a host can add it to its own
 * terminus health checks; the standalone service serves it at `GET /health`.
 */
@Injectable()
export class TradecloudDatabaseHealthIndicator {
  constructor(
    @Inject(TRADECLOUD_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly healthIndicatorService: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'database', timeoutMs = 2_000): Promise<HealthIndicatorResult> {
    const indicator = this.healthIndicatorService.check(key);
    const started = Date.now();
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), timeoutMs);
      return indicator.up({ responseTimeMs: Date.now() - started });
    } catch (error) {
      return indicator.down({ message: (error as Error).message || 'database did not answer' });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
