import { BadRequestException, HttpStatus, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { Request, Response } from 'express';
import { FIELD_LIMITS } from '../inbox/field-limits';
import { WebhookIntake } from '../inbox/webhook-intake.service';
import { WebhookRequestFacts } from '../observability/webhook-observer.guard';
import { TradecloudApiClient } from '../tradecloud-api/tradecloud-api.client';

interface GetWebhookKind {
  endpoint: 'orders-get' | 'shipments-get';
  /** Path parameter and query parameter name. */
  parameter: 'orderId' | 'shipmentId';
  validate(id: string): string | undefined;
}

const ORDER: GetWebhookKind = {
  endpoint: 'orders-get',
  parameter: 'orderId',
  // The same check as the fetched order's `id` gets (`@IsUUID('all')` of the order DTOs), so
  // the two agree on what an order id is.
  validate: (id) => (isUUID(id, 'all') ? undefined : 'orderId must be a UUID'),
};
const SHIPMENT: GetWebhookKind = {
  endpoint: 'shipments-get',
  parameter: 'shipmentId',
  // Shipment ids are opaque text (`<supplierCompanyId>-<shipmentNumber>` in practice), bounded
  // like the fetched shipment's `id` (ShipmentDto), so that what is accepted here can be stored.
  validate: (id) =>
    id.trim() && id.length <= FIELD_LIMITS.id ? undefined : `shipmentId must be a non-empty text of at most ${FIELD_LIMITS.id} characters`,
};

/**
 * The legacy GET webhooks: Tradecloud calls `…/orders/{orderId}` (or `…/orders?orderId=…`) and
 * sends nothing else. The call is stored as an event and acknowledged; processing then fetches
 * the whole order or shipment from the Tradecloud API, with the queue's retries.
 */
@Injectable()
export class GetWebhookHandler {
  constructor(
    private readonly intake: WebhookIntake,
    private readonly api: TradecloudApiClient,
  ) {}

  handleOrder(request: Request, response: Response): Promise<void> {
    return this.handle(request, response, ORDER);
  }

  handleShipment(request: Request, response: Response): Promise<void> {
    return this.handle(request, response, SHIPMENT);
  }

  private async handle(request: Request, response: Response, kind: GetWebhookKind): Promise<void> {
    const fromPath = request.params?.[kind.parameter];
    const fromQuery = request.query?.[kind.parameter];
    const id = String(fromPath ?? (typeof fromQuery === 'string' ? fromQuery : '') ?? '');
    const problem = kind.validate(id);
    const rawText = JSON.stringify({ [kind.parameter]: id });
    const facts: WebhookRequestFacts = { endpoint: kind.endpoint, entityId: id || null };
    response.locals.tradecloud = facts;
    if (problem) {
      const eventId = await this.intake.reject({ endpoint: kind.endpoint, rawText, isJson: true, eventName: null, problems: [problem] });
      facts.eventId = eventId;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [problem], eventId });
    }
    if (!this.api.isConfigured) {
      // Not stored: Tradecloud retries 503 until the receiver is configured, so nothing is lost.
      throw new ServiceUnavailableException(
        'GET webhooks need the Tradecloud API: set TRADECLOUD_API_URL, TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD ' +
          '(module option "tradecloudApi").',
      );
    }
    // Every call is a new notification ("something changed"), so none is a duplicate of another.
    const result = await this.intake.accept({
      endpoint: kind.endpoint,
      payloadKind: kind.parameter,
      eventName: null,
      entityId: id,
      messageId: null,
      rawText,
      dedupeKey: `${kind.endpoint}:${id}:${randomUUID()}`,
    });
    facts.eventId = result.eventId;
    response.status(HttpStatus.ACCEPTED).json({ status: 'accepted', eventId: result.eventId });
  }
}
