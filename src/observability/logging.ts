import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, Logger as PinoRoot, LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';

export type LogLevelName = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface RootLoggerOptions {
  level: LogLevelName;
  /** Human-readable lines (pino-pretty) instead of JSON. Falls back to JSON when pino-pretty is not installed. */
  pretty?: boolean;
  /** Where JSON lines go. Default: stdout, written synchronously so nothing is lost at `process.exit`. */
  destination?: DestinationStream;
}

const CENSOR = '[redacted]';

/**
 * Fields that may hold a secret, wherever they appear in a log object. Messages themselves never
 * contain configured secrets (the code that writes them makes sure of that); this is the net
 * under structured fields: request headers, option objects, errors carrying a config.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["refresh-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.headers.authorization',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'bearerTokens',
  '*.bearerTokens',
  'metricsToken',
  '*.metricsToken',
];

/** Pretty output only for a person at a terminal, never in production or when piped to a collector. */
export function wantsPrettyLogs(env: NodeJS.ProcessEnv = process.env, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return stdout.isTTY === true && env.NODE_ENV !== 'production';
}

/** The process's one pino logger: JSON lines (level as text, ISO time), secrets redacted. */
export function createRootLogger(options: RootLoggerOptions): PinoRoot {
  const settings: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.pretty) {
    const prettyStream = loadPrettyStream();
    if (prettyStream) return pino(settings, prettyStream);
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

function loadPrettyStream(): DestinationStream | undefined {
  try {
    // A development dependency: absent from production installs, where JSON is wanted anyway.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (options: object) => DestinationStream;
    return pretty({
      colorize: true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
      // Request and event fields on the same line: one line per request stays one line.
      singleLine: true,
    });
  } catch {
    return undefined;
  }
}

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's `X-Request-Id` when it is a plain token (a load balancer's), else draws one; echoed in the response. */
export function requestIdFor(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/** Query values whose name suggests a secret are replaced, so a URL can be logged as is. */
export function loggableUrl(url: string | undefined): string {
  if (!url) return '';
  return url.replace(/([?&][^=&]*(?:token|secret|password|key|signature|credential)[^=&]*=)[^&]*/gi, `$1${CENSOR}`);
}

export interface HttpLoggingOptions {
  /**
   * Requests that produce their own line (the webhook routes log one line each from the
   * pipeline's `webhook.answered`) are left out of the automatic request log.
   */
  ownLine?: (response: ServerResponse) => boolean;
  /** Paths logged at debug only (health checks and scrapes arrive every few seconds). */
  quietPaths?: string[];
}

/**
 * nestjs-pino parameters around an existing root logger: every request gets an id (`reqId` on
 * every line written while it is handled), request lines carry method, path and status but no
 * headers at all.
 */
export function nestPinoParams(root: PinoRoot, options: HttpLoggingOptions = {}): Params {
  const quietPaths = new Set(options.quietPaths ?? []);
  const pinoHttp: PinoHttpOptions = {
    logger: root,
    genReqId: requestIdFor,
    quietReqLogger: true,
    customLogLevel: (request, response, error) => {
      if (options.ownLine?.(response)) return 'silent';
      if (quietPaths.has((request.url ?? '').split('?')[0])) return 'debug';
      if (error || response.statusCode >= 500) return 'error';
      return response.statusCode >= 400 ? 'warn' : 'info';
    },
    customSuccessMessage: (request, response) => `${request.method} ${loggableUrl(request.url).split('?')[0]} answered ${response.statusCode}`,
    serializers: {
      req: (request: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
        id: request.id,
        method: request.method,
        url: loggableUrl(request.url),
        remoteAddress: request.remoteAddress,
      }),
      res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
    },
  };
  // Express 5 path syntax: every route (nestjs-pino's default `*` triggers a conversion warning).
  return { pinoHttp, forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }] };
}
