import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isTransientDatabaseError } from '../database/transient-errors';

/** Seconds Tradecloud is asked to wait before delivering again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The webhook routes' last word on errors. Tradecloud drops an event answered 4xx or 500 and
 * retries anything above 500, so no 500 may ever leave these routes: an error we did not expect
 * (before the event is safely stored) is answered 503 with Retry-After, never 500.
 */
@Catch()
export class WebhookExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('TradecloudWebhook');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof HttpException && [502, 503, 504].includes(exception.getStatus())) {
      if (!response.getHeader('Retry-After')) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const transient = isTransientDatabaseError(exception);
    const message = (exception as Error)?.message ?? String(exception);
    if (transient) this.logger.warn(`Database unavailable, answering 503 so Tradecloud retries: ${message}`);
    else this.logger.error(`Unexpected error before the event was stored, answering 503 so Tradecloud retries: ${message}`, (exception as Error)?.stack);
    response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: transient ? 'The database is unavailable; please deliver again later.' : 'Temporary failure; please deliver again later.',
    });
  }
}
