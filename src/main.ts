import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { EnvironmentError, readEnvironment } from './standalone/environment';
import { startStandaloneServer, StandaloneServer } from './standalone/standalone-server';

/** The standalone receiver: `npm start`. */
async function main(): Promise<void> {
  let environment;
  try {
    environment = readEnvironment();
  } catch (error) {
    if (error instanceof EnvironmentError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const logger = new Logger('Tradecloud');
  let server: StandaloneServer;
  try {
    server = await startStandaloneServer(environment);
  } catch (error) {
    logger.error(`Start failed: ${(error as Error).message}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting immediately`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
