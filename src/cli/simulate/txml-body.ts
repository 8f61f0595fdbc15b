import { jsonToTxml } from '../../inbox/txml/json-to-txml';
import { OrderWebhookBodyDto } from '../../orders/dto/order-events.dto';

/** An order or order-documents webhook body as Tradecloud's tXML (`--format txml`). */
export function orderBodyAsTxml(body: unknown): string {
  // A JSON round trip, so the body is plain data (no undefined members, Dates as text) like what Tradecloud serialises.
  return jsonToTxml(JSON.parse(JSON.stringify(body)) as Record<string, unknown>, OrderWebhookBodyDto);
}
