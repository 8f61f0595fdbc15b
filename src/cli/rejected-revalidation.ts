import { webhookDedupeKey } from '../inbox/dedupe-key';
import { OrderEventDto, SingleDeliveryOrderEventDto } from '../orders/dto/order-events.dto';
import { POLLED_ENDPOINTS, POLLED_PAYLOAD_KINDS } from '../reconcile/polled-entity.applier';
import { ShipmentDto } from '../shipments/dto/shipment-webhook.dto';
import type { EventIdentity, JsonWebhookReceiver, JsonWebhookSpec } from '../inbox/json-webhook.receiver';
import { validateBody } from '../inbox/validation-messages';
import { UnusableBodyError } from '../inbox/request-body';
import { convertTxml } from '../inbox/txml/txml-request-body';
import { txmlShapeOf } from '../inbox/txml/txml-schema';
import { OrderWebhookHandler } from '../orders/order-webhook.handler';
import { ShipmentWebhookHandler } from '../shipments/shipment-webhook.handler';

/**
 * The validation specs of the POST webhook routes, exactly as the handlers use them: each
 * handler is given a receiver that only records the spec it is called with. So a replayed
 * rejected request is checked by the very rules the route applies today.
 */
function captureSpecs(): Map<string, JsonWebhookSpec<object>> {
  const specs = new Map<string, JsonWebhookSpec<object>>();
  const recorder = {
    receive: async (_request: unknown, _response: unknown, spec: JsonWebhookSpec<object>) => {
      specs.set(spec.endpoint, spec);
    },
  } as unknown as JsonWebhookReceiver;
  const noRequest = undefined as never;
  void new OrderWebhookHandler(recorder).handle(noRequest, noRequest, 'orders');
  void new OrderWebhookHandler(recorder).handle(noRequest, noRequest, 'order-documents');
  void new ShipmentWebhookHandler(recorder).handle(noRequest, noRequest);
  return specs;
}

let specs: Map<string, JsonWebhookSpec<object>> | undefined;

export type Revalidation =
  | {
      valid: true;
      identity: EventIdentity;
      eventName: string | null;
      dedupeKey: string;
      /** A tXML request's JSON as converted today, to replace the stored conversion. */
      bodyText?: string;
    }
  | { valid: false; problems: string[] };

/**
 * Validates a stored rejected request's body again, as its route would now; a valid one gets the
 * inbox's idempotency key. A tXML request (its conversion in `body`, its XML in `raw_body`) is
 * converted again from its XML, so a fix of the conversion applies too, and keyed by its XML.
 */
export async function revalidateRejected(endpoint: string, bodyText: string | null, payloadKind: string | null = null, rawBody: string | null = null): Promise<Revalidation> {
  if (endpoint === POLLED_ENDPOINTS.orders || endpoint === POLLED_ENDPOINTS.shipments) return revalidatePolled(endpoint, bodyText, payloadKind);
  specs ??= captureSpecs();
  const spec = specs.get(endpoint);
  if (!spec) return { valid: false, problems: [`requests to ${endpoint} cannot be re-validated (only POST orders, order-documents and shipments)`] };
  // On a route that takes tXML, an XML text kept without a conversion (refused by an older converter) is converted again too.
  const original = rawBody !== null && spec.txml && (bodyText !== null || /^\uFEFF?\s*</.test(rawBody)) ? rawBody : undefined;
  if (bodyText === null && original === undefined) {
    return { valid: false, problems: ['the body was kept as text only (not JSON, or not storable as JSON): only a resend from Tradecloud can replace it'] };
  }
  if (original !== undefined) {
    try {
      bodyText = convertTxml(original, txmlShapeOf(spec.dto)).text;
    } catch (error) {
      if (!(error instanceof UnusableBodyError)) throw error;
      return { valid: false, problems: [error.problem] };
    }
  }
  const json: unknown = JSON.parse(bodyText!);
  const body = (json && typeof json === 'object' && !Array.isArray(json) ? json : {}) as Record<string, unknown>;
  let problems = await validateBody(spec.dto, json);
  const identity = problems.length ? undefined : spec.identify(body);
  if (identity && 'problems' in identity) problems = identity.problems;
  if (problems.length || !identity || 'problems' in identity) return { valid: false, problems };
  const eventName = typeof body.eventName === 'string' ? body.eventName : null;
  return { valid: true, identity, eventName, dedupeKey: webhookDedupeKey(endpoint, identity.messageId, original ?? bodyText!), ...(original !== undefined ? { bodyText: bodyText! } : {}) };
}

/**
 * A polled order or shipment kept `rejected` by reconciliation: checked again with the fetched
 * entity's rules (those of FetchedOrderApplier / FetchedShipmentApplier); valid now, it is
 * processed like a replayed event (PolledEntityApplier).
 */
async function revalidatePolled(endpoint: string, bodyText: string | null, payloadKind: string | null): Promise<Revalidation> {
  if (bodyText === null) return { valid: false, problems: ['the polled entity was not stored as JSON'] };
  const body = JSON.parse(bodyText) as Record<string, unknown>;
  const shipment = endpoint === POLLED_ENDPOINTS.shipments;
  const kind = shipment ? POLLED_PAYLOAD_KINDS.shipment : payloadKind === POLLED_PAYLOAD_KINDS.singleDeliveryOrder ? payloadKind : POLLED_PAYLOAD_KINDS.order;
  const dto = shipment ? ShipmentDto : kind === POLLED_PAYLOAD_KINDS.singleDeliveryOrder ? SingleDeliveryOrderEventDto : OrderEventDto;
  const problems = await validateBody(dto, shipment ? body : { ...body, orderId: body.id ?? body.orderId });
  if (problems.length) return { valid: false, problems };
  const entityId = String(shipment ? body.id : (body.id ?? body.orderId));
  const meta = body.meta as { lastUpdatedAt?: unknown } | undefined;
  const lastUpdatedAt = String(shipment ? (meta?.lastUpdatedAt ?? body.lastUpdatedAt) : body.lastUpdatedAt);
  return { valid: true, identity: { payloadKind: kind, entityId, messageId: null }, eventName: null, dedupeKey: `${endpoint}:${entityId}:${lastUpdatedAt}` };
}
