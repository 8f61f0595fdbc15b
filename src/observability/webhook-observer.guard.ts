import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { clientAddressOf } from '../security/client-address';
import type { WebhookSourceFacts } from '../security/webhook-source.guard';
import { PipelineEvents, WebhookAnsweredEvent } from './pipeline-events';

/** What a webhook handler learned about the request, for the observer (`response.locals.tradecloud`). */
export interface WebhookRequestFacts {
  endpoint?: string;
  eventId?: string | null;
  eventName?: string | null;
  entityId?: string | null;
}

/** Marks a response whose request the observer reports, so that a generic request log can leave it to the pipeline's line. */
const OBSERVED = Symbol('tradecloud.observed');

export function isObservedWebhookResponse(response: object): boolean {
  return (response as { [OBSERVED]?: boolean })[OBSERVED] === true;
}

const OUTCOMES: Record<number, WebhookAnsweredEvent['outcome']> = {
  200: 'duplicate',
  202: 'accepted',
  400: 'rejected',
  401: 'unauthorized',
  403: 'forbidden',
  413: 'too-large',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/**
 * The first guard of every webhook route (before authentication), so that every webhook request,
 * refused ones included, is reported once, when its answer has been sent. It never refuses.
 */
@Injectable()
export class WebhookObserverGuard implements CanActivate {
  constructor(private readonly events: PipelineEvents) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const started = performance.now();
    (response as unknown as { [OBSERVED]: boolean })[OBSERVED] = true;
    response.once('finish', () => {
      const facts = (response.locals.tradecloud ?? {}) as WebhookRequestFacts;
      const source = (response.locals.tradecloudSource ?? {}) as WebhookSourceFacts;
      this.events.emit('webhook.answered', {
        endpoint: facts.endpoint ?? endpointOf(request),
        eventName: facts.eventName ?? null,
        entityId: facts.entityId ?? null,
        eventId: facts.eventId ?? null,
        statusCode: response.statusCode,
        outcome: OUTCOMES[response.statusCode] ?? 'error',
        durationMs: performance.now() - started,
        requestId: requestIdOf(request),
        clientAddress: source.clientAddress ?? clientAddressOf(request),
        source: source.source,
      });
    });
    return true;
  }
}

/** `orders`, `orders-get`, … from the URL, for requests that never reached a handler. */
function endpointOf(request: Request): string {
  const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
  const match = /\/(orders|order-documents|shipments)(\/[^/]+)?$/.exec(path);
  if (!match) return 'unknown';
  return request.method === 'GET' ? `${match[1]}-get` : match[1];
}

/** The id a request logger gave the request (pino-http's `req.id`), else a caller's `X-Request-Id`. */
function requestIdOf(request: Request): string | null {
  const id = (request as Request & { id?: unknown }).id;
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && header ? header.slice(0, 128) : null;
}
