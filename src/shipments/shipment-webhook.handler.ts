import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { firstActingCompanyId, firstMessageId, JsonWebhookReceiver, JsonWebhookSpec } from '../inbox/json-webhook.receiver';
import { ShipmentWebhookBodyDto } from './dto/shipment-webhook.dto';

const SHIPMENTS: JsonWebhookSpec<ShipmentWebhookBodyDto> = {
  endpoint: 'shipments',
  dto: ShipmentWebhookBodyDto,
  identify: (body) => ({
    payloadKind: 'shipment',
    entityId: String((body.shipment as { id: string }).id),
    messageId: firstMessageId(body.meta),
    shipmentNumber: textOrNull((body.shipment as { supplierShipment?: { shipmentNumber?: unknown } }).supplierShipment?.shipmentNumber),
    actingCompanyId: firstActingCompanyId(body.meta),
  }),
};

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Receives a POST shipment webhook; usable on a host's own routes like the order handler. */
@Injectable()
export class ShipmentWebhookHandler {
  constructor(private readonly receiver: JsonWebhookReceiver) {}

  handle(request: Request, response: Response): Promise<void> {
    return this.receiver.receive(request, response, SHIPMENTS);
  }
}
