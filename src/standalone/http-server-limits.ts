import http from 'node:http';
import https from 'node:https';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { StandaloneEnvironment } from './environment';
import { BODY_RATE_WINDOW_MS, HttpServerLimits } from './hardening-environment';
import { metricsServed } from './standalone-app.module';

/**
 * Nest's Express adapter, creating its HTTP(S) server with explicit limits instead of Node's
 * defaults (Nest passes no server options for plain HTTP). Node checks the header and request
 * timeouts every `connectionsCheckingInterval`; once a second keeps them close to their value.
 */
export class LimitedServerExpressAdapter extends ExpressAdapter {
  constructor(private readonly limits: HttpServerLimits) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    const serverOptions: http.ServerOptions = {
      headersTimeout: this.limits.headersTimeoutMs,
      requestTimeout: this.limits.requestTimeoutMs,
      keepAliveTimeout: this.limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    };
    const server = options?.httpsOptions
      ? https.createServer({ ...serverOptions, ...options.httpsOptions }, this.getInstance())
      : http.createServer(serverOptions, this.getInstance());
    // Older Node versions take these only as properties.
    server.headersTimeout = this.limits.headersTimeoutMs;
    server.requestTimeout = this.limits.requestTimeoutMs;
    server.keepAliveTimeout = this.limits.keepAliveTimeoutMs;
    this.httpServer = server;
  }
}

/** The start log's account of what the service exposes besides the webhooks, and the limits it applies. */
export function describeExposure(environment: StandaloneEnvironment): string[] {
  const { hardening, production } = environment;
  const metrics = !metricsServed(environment)
    ? 'not served (NODE_ENV=production without METRICS_TOKEN; set METRICS_TOKEN, or METRICS_PUBLIC=true on purpose)'
    : environment.metricsToken
      ? 'served, Bearer METRICS_TOKEN required'
      : `served to anyone${production ? ' (METRICS_PUBLIC=true)' : ' (not production; set METRICS_TOKEN to require a token)'}`;
  const docs = hardening.openApiEnabled
    ? `served to anyone${production ? ' (OPENAPI_ENABLED=true)' : ''}`
    : `not served${production ? ' (NODE_ENV=production; OPENAPI_ENABLED=true serves them)' : ' (OPENAPI_ENABLED=false)'}`;
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, bodyMinBytesPerSecond } = hardening.http;
  const slow = bodyMinBytesPerSecond > 0
    ? `bodies slower than ${bodyMinBytesPerSecond} bytes/s over ${BODY_RATE_WINDOW_MS / 1000} s are cut with 408`
    : 'no minimum body rate (HTTP_BODY_MIN_BYTES_PER_SECOND=0)';
  return [
    `Exposed: webhooks under ${environment.webhookPathPrefix}; /health to anyone; /metrics ${metrics}; /docs and /docs-json ${docs}`,
    `HTTP limits: headers within ${headersTimeoutMs} ms, whole request within ${requestTimeoutMs} ms, idle keep-alive ${keepAliveTimeoutMs} ms; ${slow}`,
  ];
}
