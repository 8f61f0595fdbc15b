import { ConsoleLogger, LogLevel } from '@nestjs/common';

/**
 * The standalone service's logger. A failed start is reported once, as one line, by `main.ts`
 * ("Start failed: …"); Nest's ExceptionHandler would print the same error again with a stack
 * trace, which only helps when debugging, so it is kept for LOG_LEVEL=debug and trace.
 */
export class StandaloneLogger extends ConsoleLogger {
  constructor(private readonly levels: LogLevel[]) {
    super();
    this.setLogLevels(levels);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (context === 'ExceptionHandler' && !this.levels.includes('debug')) return;
    super.error(message, ...(rest as []));
  }
}
