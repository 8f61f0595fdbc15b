import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { firstActingCompanyId, firstMessageId, JsonWebhookReceiver, JsonWebhookSpec } from '../inbox/json-webhook.receiver';
import { ORDER_PAYLOAD_ALIASES, ORDER_PAYLOAD_KINDS, OrderWebhookBodyDto } from './dto/order-events.dto';

const spec = (endpoint: 'orders' | 'order-documents'): JsonWebhookSpec<OrderWebhookBodyDto> => ({
  endpoint,
  dto: OrderWebhookBodyDto,
  txml: true,
  identify: (body) => {
    const present = [...ORDER_PAYLOAD_KINDS, ...Object.keys(ORDER_PAYLOAD_ALIASES)].filter((key) => body[key] !== undefined && body[key] !== null);
    if (present.length !== 1) {
      return {
        problems: [`body must contain exactly one of ${ORDER_PAYLOAD_KINDS.join(', ')} (found ${present.length ? present.join(', ') : 'none'})`],
      };
    }
    const payload = body[present[0]] as { orderId: string; meta?: unknown; buyerOrder?: { purchaseOrderNumber?: unknown } };
    const purchaseOrderNumber = payload.buyerOrder?.purchaseOrderNumber;
    // The message id sits at the top level on the documented webhook body, inside the event in
    // Tradecloud's reference connector (REFERENCE §a.2): accept either.
    return {
      // `simpleOrderEvent` is stored as it came and processed (and counted) as a single-delivery event.
      payloadKind: ORDER_PAYLOAD_ALIASES[present[0]] ?? present[0],
      entityId: payload.orderId,
      messageId: firstMessageId(body.meta, payload.meta),
      purchaseOrderNumber: typeof purchaseOrderNumber === 'string' ? purchaseOrderNumber : null,
      actingCompanyId: firstActingCompanyId(body.meta, payload.meta),
    };
  },
});

const ORDERS = spec('orders');
const ORDER_DOCUMENTS = spec('order-documents');

/**
 * Receives a POST order or order-documents webhook. Usable on a host's own routes when the
 * built-in controllers are turned off: `await handler.handle(req, res, 'orders')` behind your
 * own guard.
 */
@Injectable()
export class OrderWebhookHandler {
  constructor(private readonly receiver: JsonWebhookReceiver) {}

  handle(request: Request, response: Response, endpoint: 'orders' | 'order-documents'): Promise<void> {
    return this.receiver.receive(request, response, endpoint === 'orders' ? ORDERS : ORDER_DOCUMENTS);
  }
}
