import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TradecloudModule } from '../tradecloud.module';
import type { CliDatabaseTarget } from './cli-database';

/** The receiver's own services in this process, for commands that must send jobs exactly as the receiver does. */
export interface ModuleContext {
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/**
 * Boots TradecloudModule as an application context (no HTTP server) on the same database, with
 * `queue.workers: false`: this process only enqueues; the running receivers process. Migrations
 * are left to the receiver, and no webhook credentials are needed since nothing is received here.
 * Only the receiver's code paths that send jobs are used, so jobs look exactly like its own.
 */
export async function openModuleContext(target: CliDatabaseTarget): Promise<ModuleContext> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    TradecloudModule.forRoot({
      database: { url: target.url, schema: target.schema, migrationsRun: false, poolSize: 2, connectAttempts: 1 },
      queue: { workers: false },
      auth: { requireCredentials: false },
      // No download start-up work here (storage checks, catching up): commands ask for what they need.
      documents: { download: false },
      // Maintenance is the receivers' (or `tradecloud prune`'s) business, never a side effect of a command.
      retention: { maintenanceInterval: false },
    }),
    { logger: ['error'], abortOnError: false },
  );
  return {
    get: (type) => app.get(type, { strict: false }),
    close: () => app.close(),
  };
}
