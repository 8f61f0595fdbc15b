import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EmbeddedPostgres } from '../database/embedded/embedded-postgres';
import { describeDevCredentials, LoadedDevCredentials, loadOrCreateDevCredentials, needsDevCredentials } from './dev-credentials';
import { StandaloneEnvironment } from './environment';
import { HttpDrain } from './http-drain';
import { setupTradecloudOpenApi } from '../webhooks/webhook-openapi';
import { StandaloneAppModule } from './standalone-app.module';
import { createStandaloneLogging, StandaloneLogging } from './start-up-logger';

export interface StandaloneServer {
  app: INestApplication;
  /** Base URL the receiver answers on. */
  url: string;
  /**
   * Graceful stop: no new connections, requests in flight finish (up to SHUTDOWN_TIMEOUT_MS),
   * running jobs finish (bounded by the queue), the pool closes, then an embedded PostgreSQL stops.
   */
  close(): Promise<void>;
}

/**
 * Starts the receiver as configured by the environment: embedded PostgreSQL when no
 * DATABASE_URL is set. `logging` is created here unless the caller made it earlier.
 */
export async function startStandaloneServer(
  environment: StandaloneEnvironment,
  logging: StandaloneLogging = createStandaloneLogging({ level: environment.logLevel }),
): Promise<StandaloneServer> {
  // From here on every Nest `Logger` line, start-up included, goes through pino.
  Logger.overrideLogger(logging.nestLogger);
  const logger = new Logger('Tradecloud');
  const devCredentials: LoadedDevCredentials | undefined = needsDevCredentials(environment)
    ? loadOrCreateDevCredentials(environment.dataDir)
    : undefined;
  if (!environment.tradecloudApi) {
    logger.warn(
      'No Tradecloud API credentials (TRADECLOUD_API_URL, TRADECLOUD_API_USERNAME, TRADECLOUD_API_PASSWORD): ' +
        'GET webhooks will answer 503 (Tradecloud retries them) and documents cannot be downloaded until they are set.',
    );
  }
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = environment.databaseUrl;
  if (!databaseUrl) {
    logger.log(`DATABASE_URL is not set: starting an embedded PostgreSQL in ${environment.dataDir}`);
    embedded = new EmbeddedPostgres({ dataDir: environment.dataDir, log: (message) => logger.log(message) });
    databaseUrl = await embedded.start();
    logger.log(`Embedded PostgreSQL is ready. Connect with: ${embedded.psqlCommand()}`);
  }
  let app: INestApplication | undefined;
  let drain: HttpDrain | undefined;
  try {
    app = await NestFactory.create(StandaloneAppModule.register(environment, databaseUrl, devCredentials?.credentials, logging), {
      logger: logging.nestLogger,
      abortOnError: false,
      // Webhook bodies are read by the webhook handlers themselves, after authentication, so an
      // unauthenticated request costs no parsing and no memory (see the inbox feature).
      bodyParser: false,
      httpsOptions: httpsOptions(environment),
    });
    drain = new HttpDrain(app.getHttpServer() as HttpServer);
    setupTradecloudOpenApi(app);
    await app.listen(environment.port, environment.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `${environment.tls ? 'https' : 'http'}://localhost:${address.port}`;
  if (devCredentials) {
    for (const line of describeDevCredentials(devCredentials, url, environment.webhookPathPrefix)) logger.log(line);
  }
  // Last line of a start: scripts and tests wait for it.
  logger.log(`Tradecloud receiver listening on ${url} (health: ${url}/health)`);
  const startedApp = app;
  const startedDrain = drain!;
  return {
    app: startedApp,
    url,
    close: async () => {
      const waiting = startedDrain.requestsInFlight;
      logger.log(`Stopped accepting connections; waiting for ${waiting} request(s) in flight (up to ${environment.shutdownTimeoutMs} ms)`);
      const unfinished = await startedDrain.drain(environment.shutdownTimeoutMs);
      if (unfinished) logger.warn(`${unfinished} request(s) still unfinished after ${environment.shutdownTimeoutMs} ms: closing anyway (Tradecloud retries them)`);
      // Nest's shutdown: the queue lets running jobs finish (bounded), then the pool closes.
      await startedApp.close();
      await embedded?.stop();
      logger.log('Shutdown complete');
    },
  };
}

/** HTTPS with TLS 1.2 as the floor (Tradecloud requires TLS 1.2/1.3; older handshakes are refused). */
function httpsOptions(environment: StandaloneEnvironment) {
  const tls = environment.tls;
  if (!tls) return undefined;
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    minVersion: 'TLSv1.2' as const,
  };
}
