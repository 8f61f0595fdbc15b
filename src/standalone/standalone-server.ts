import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmbeddedPostgres } from '../database/embedded/embedded-postgres';
import { describeDevCredentials, LoadedDevCredentials, loadOrCreateDevCredentials, needsDevCredentials } from './dev-credentials';
import { StandaloneEnvironment } from './environment';
import { HttpDrain } from './http-drain';
import { setupTradecloudOpenApi } from '../webhooks/webhook-openapi';
import { StandaloneAppModule } from './standalone-app.module';
import { createStandaloneLogging, StandaloneLogging } from './start-up-logger';
import { TradecloudMetrics } from '../observability/metrics/tradecloud-metrics';
import { BODY_RATE_WINDOW_MS } from './hardening-environment';
import { describeExposure, LimitedServerExpressAdapter } from './http-server-limits';
import { SlowBodyGuard } from './slow-body-guard';
import { LoadedCertificate, loadCertificate, TlsCertificateReloader } from './tls-certificate-reloader';

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
  let app: NestExpressApplication | undefined;
  let drain: HttpDrain | undefined;
  let slowBodies: SlowBodyGuard | undefined;
  let certificateReloader: TlsCertificateReloader | undefined;
  try {
    // Read (and checked) before anything starts: a certificate that does not load stops the start.
    const certificate = environment.tls ? loadCertificate(environment.tls) : undefined;
    app = await NestFactory.create<NestExpressApplication>(
      StandaloneAppModule.register(environment, databaseUrl, devCredentials?.credentials, logging),
      new LimitedServerExpressAdapter(environment.hardening.http),
      {
        logger: logging.nestLogger,
        abortOnError: false,
        // Webhook bodies are read by the webhook handlers themselves, after authentication, so an
        // unauthenticated request costs no parsing and no memory (see the inbox feature).
        bodyParser: false,
        httpsOptions: certificate?.options,
      },
    );
    // Says nothing useful to a client and a lot to a scanner.
    app.disable('x-powered-by');
    const server = app.getHttpServer() as HttpServer;
    drain = new HttpDrain(server);
    const metrics = app.get(TradecloudMetrics, { strict: false });
    slowBodies = new SlowBodyGuard(server, {
      minBytesPerSecond: environment.hardening.http.bodyMinBytesPerSecond,
      windowMs: BODY_RATE_WINDOW_MS,
      trustProxy: environment.hardening.trustProxy,
      onCut: () => metrics.slowRequestsCut.inc(),
    });
    if (environment.tls && certificate) {
      certificateReloader = new TlsCertificateReloader(server as unknown as HttpsServer, environment.tls, certificate, {
        onServed: (served: LoadedCertificate) => metrics.tlsCertificateExpiry.set(served.validTo.getTime() / 1000),
      });
    }
    if (environment.hardening.openApiEnabled) setupTradecloudOpenApi(app);
    await app.listen(environment.port, environment.host);
  } catch (error) {
    slowBodies?.stop();
    certificateReloader?.stop();
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `${environment.tls ? 'https' : 'http'}://localhost:${address.port}`;
  if (devCredentials) {
    for (const line of describeDevCredentials(devCredentials, url, environment.webhookPathPrefix)) logger.log(line);
  }
  for (const line of describeExposure(environment)) logger.log(line);
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
      certificateReloader?.stop();
      const unfinished = await startedDrain.drain(environment.shutdownTimeoutMs);
      if (unfinished) logger.warn(`${unfinished} request(s) still unfinished after ${environment.shutdownTimeoutMs} ms: closing anyway (Tradecloud retries them)`);
      // Nest's shutdown: the queue lets running jobs finish (bounded), then the pool closes.
      slowBodies?.stop();
      await startedApp.close();
      await embedded?.stop();
      logger.log('Shutdown complete');
    },
  };
}
