import { readFileSync } from 'node:fs';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EmbeddedPostgres } from '../database/embedded/embedded-postgres';
import { describeDevCredentials, LoadedDevCredentials, loadOrCreateDevCredentials, needsDevCredentials } from './dev-credentials';
import { nestLogLevels, StandaloneEnvironment } from './environment';
import { StandaloneAppModule } from './standalone-app.module';
import { StandaloneLogger } from './start-up-logger';

export interface StandaloneServer {
  app: INestApplication;
  /** Base URL the receiver answers on. */
  url: string;
  /** Closes the HTTP server and the pool, then stops an embedded PostgreSQL. */
  close(): Promise<void>;
}

/** Starts the receiver as configured by the environment: embedded PostgreSQL when no DATABASE_URL is set. */
export async function startStandaloneServer(environment: StandaloneEnvironment): Promise<StandaloneServer> {
  const logger = new Logger('Tradecloud');
  Logger.overrideLogger(nestLogLevels(environment.logLevel));
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
  try {
    app = await NestFactory.create(StandaloneAppModule.register(environment, databaseUrl, devCredentials?.credentials), {
      logger: new StandaloneLogger(nestLogLevels(environment.logLevel)),
      abortOnError: false,
      // Webhook bodies are read by the webhook handlers themselves, after authentication, so an
      // unauthenticated request costs no parsing and no memory (see the inbox feature).
      bodyParser: false,
      httpsOptions: httpsOptions(environment),
    });
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
  return {
    app: startedApp,
    url,
    close: async () => {
      await startedApp.close();
      await embedded?.stop();
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
