import { Logger as PinoNestLogger, Params, PinoLogger } from 'nestjs-pino';
import type { Logger as PinoRoot } from 'pino';
import { createRootLogger, nestPinoParams, wantsPrettyLogs } from '../observability/logging';
import { isObservedWebhookResponse } from '../observability/webhook-observer.guard';
import type { LogLevelName } from './environment';

/**
 * The standalone service's Nest logger: every `Logger` call becomes a pino JSON line (pretty at a
 * development terminal). A failed start is reported once, as one line, by `main.ts`
 * ("Start failed: …"); Nest's ExceptionHandler would log the same error again with a stack
 * trace, which only helps when debugging, so it is kept for LOG_LEVEL=debug and trace.
 */
export class StandaloneLogger extends PinoNestLogger {
  constructor(
    params: Params,
    private readonly level: LogLevelName,
  ) {
    super(new PinoLogger(params), params);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (context === 'ExceptionHandler' && this.level !== 'debug' && this.level !== 'trace') return;
    super.error(message, ...rest);
  }
}

export interface StandaloneLogging {
  /** The process's pino logger (pipeline lines are written on it). */
  root: PinoRoot;
  /** nestjs-pino parameters: request ids and the request log, around `root`. */
  params: Params;
  /** What Nest and every `new Logger(context)` write through. */
  nestLogger: StandaloneLogger;
}

export interface StandaloneLoggingOptions {
  level: LogLevelName;
  /** Default: pretty at a terminal outside production (see `wantsPrettyLogs`). */
  pretty?: boolean;
}

/** Creates the logging of the standalone service, before anything else logs. */
export function createStandaloneLogging(options: StandaloneLoggingOptions): StandaloneLogging {
  const root = createRootLogger({ level: options.level, pretty: options.pretty ?? wantsPrettyLogs() });
  const params = nestPinoParams(root, { ownLine: isObservedWebhookResponse, quietPaths: ['/health', '/metrics'] });
  return { root, params, nestLogger: new StandaloneLogger(params, options.level) };
}
