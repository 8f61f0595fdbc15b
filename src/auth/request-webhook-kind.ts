import type { Request } from 'express';
import type { WebhookKind } from './webhook-kind';

const KIND = Symbol('tradecloud.webhookKind');

/**
 * The guard records which webhook kind a request is for before it runs a strategy; the strategies
 * read it to pick that kind's credentials (Passport's verify callbacks receive only the request).
 */
export function setRequestWebhookKind(request: Request, kind: WebhookKind): void {
  (request as unknown as Record<symbol, WebhookKind>)[KIND] = kind;
}

export function requestWebhookKind(request: Request): WebhookKind {
  const kind = (request as unknown as Record<symbol, WebhookKind | undefined>)[KIND];
  if (!kind) throw new Error('webhook strategy used without WebhookAuthGuard: the request has no webhook kind');
  return kind;
}
