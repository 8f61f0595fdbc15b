#!/usr/bin/env node
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { EnvironmentError, readEnvironment, StandaloneEnvironment } from './standalone/environment';
import { limitHeapGrowth } from './standalone/heap-growth';
import { watchNpmParent } from './standalone/parent-watch';
import { missingStandalonePackages, missingStandalonePackagesMessage } from './standalone/standalone-packages';
import type { StandaloneServer } from './standalone/standalone-server';

/** Past the request drain, the queue's wait for running jobs (20 s) and the database's stop: something hangs. */
const HARD_STOP_MARGIN_MS = 45_000;

/** The standalone receiver: `npm start`. */
async function main(): Promise<void> {
  // Before anything waits: npm may be stopped while the receiver starts (see watchNpmParent).
  const startedBy = process.ppid;
  limitHeapGrowth();
  let environment: StandaloneEnvironment;
  try {
    environment = readEnvironment();
  } catch (error) {
    if (error instanceof EnvironmentError) {
      // Plain lines on stderr: there is no logger yet, and a person is reading this.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const missing = missingStandalonePackages();
  if (missing.length) {
    console.error(missingStandalonePackagesMessage(missing));
    process.exit(1);
  }
  // Loaded only now: these modules import the standalone-only packages checked above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startStandaloneServer } = require('./standalone/standalone-server') as typeof import('./standalone/standalone-server');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createStandaloneLogging } = require('./standalone/start-up-logger') as typeof import('./standalone/start-up-logger');
  const logging = createStandaloneLogging({ level: environment.logLevel });
  Logger.overrideLogger(logging.nestLogger);
  const logger = new Logger('Tradecloud');
  let server: StandaloneServer;
  try {
    server = await startStandaloneServer(environment, logging);
  } catch (error) {
    logger.error(`Start failed: ${(error as Error).message}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) {
      logger.warn(`${reason} again: exiting immediately`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${reason}: shutting down`);
    const hardStop = setTimeout(() => {
      logger.error(`Shutdown did not finish within ${environment.shutdownTimeoutMs + HARD_STOP_MARGIN_MS} ms: exiting`);
      process.exit(1);
    }, environment.shutdownTimeoutMs + HARD_STOP_MARGIN_MS);
    hardStop.unref();
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT received'));
  process.on('SIGTERM', () => void stop('SIGTERM received'));
  // Under `npm start`, npm's SIGTERM stops at its script shell: the shell's exit is the signal.
  watchNpmParent(() => void stop('npm stopped (the script shell that started this process exited)'), process.env, startedBy);
}

void main();
