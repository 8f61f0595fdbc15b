import { Reflector } from '@nestjs/core';

/**
 * The webhook integrations Tradecloud configures separately, each with its own URL and
 * credentials: orders (POST order events and GET order webhooks), order documents, shipments
 * (POST shipment events and GET shipment webhooks).
 */
export type WebhookKind = 'orders' | 'order-documents' | 'shipments';

export const WEBHOOK_KINDS: readonly WebhookKind[] = ['orders', 'order-documents', 'shipments'];

/** Marks a route handler or controller with the webhook kind whose credentials it accepts. */
export const ForWebhookKind = Reflector.createDecorator<WebhookKind>();
