import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiSecurity, ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FIELD_LIMITS } from '../inbox/field-limits';

/** What each answer means to Tradecloud, which retries only statuses above 500. */
const RESPONSES = {
  accepted: { status: 202, description: 'Stored in the inbox; processed in the background. Tradecloud: delivered.' },
  duplicate: { status: 200, description: 'A redelivery of an event stored before (same meta.messageId, else same body); no work done. Tradecloud: delivered.' },
  invalid: {
    status: 400,
    description: 'Invalid body, malformed JSON or wrong content type; the message names each field. Kept as `rejected`. Tradecloud: dropped (not retried).',
  },
  unauthorized: { status: 401, description: 'Missing or wrong credentials; the body is not read. `WWW-Authenticate` names the accepted schemes. Tradecloud: dropped.' },
  tooLarge: { status: 413, description: 'Body above the configured limit (WEBHOOK_BODY_LIMIT). Tradecloud: dropped.' },
  unavailable: {
    status: 503,
    description: 'Transient: database unavailable, JWKS unreachable, Tradecloud API not configured (GET). `Retry-After` set. Tradecloud: retried with back-off.',
  },
};

const ENVELOPE = (eventKeys: string[], description: string) => ({
  description,
  schema: {
    type: 'object' as const,
    required: ['eventName'],
    additionalProperties: true,
    properties: {
      eventName: { type: 'string' as const, example: 'OrderLinesAcceptedBySupplier' },
      ...Object.fromEntries(eventKeys.map((key) => [key, { type: 'object' as const, additionalProperties: true }])),
      meta: { type: 'object' as const, properties: { messageId: { type: 'string' as const } }, additionalProperties: true },
    },
  },
});

const SECURITY = (oauth: boolean) => [ApiBasicAuth('basic'), ApiBearerAuth('bearer'), ...(oauth ? [ApiSecurity('oauth2')] : [])];
const ANSWERS = (statuses: Array<keyof typeof RESPONSES>) => statuses.map((key) => ApiResponse(RESPONSES[key]));

/** OpenAPI description of a POST order or order-documents webhook route. */
export const ApiOrderWebhook = (documentsOnly: boolean) =>
  applyDecorators(
    ApiTags('webhooks'),
    ApiOperation({
      summary: documentsOnly ? 'Order documents webhook (orderDocumentsEvent)' : 'Order webhook (orderEvent or singleDeliveryOrderEvent)',
      description:
        'Exactly one event object per body (`simpleOrderEvent` is accepted as the older name of `singleDeliveryOrderEvent`). ' +
        'Unknown fields and event names are accepted and kept. Also accepts Tradecloud\'s tXML (application/xml, text/xml, +xml): ' +
        'any root element holding the same fields as elements, lists as repeated singular elements (`<line>`); converted to this JSON, the XML kept.',
    }),
    ApiConsumes('application/json', 'application/xml', 'text/xml'),
    ApiBody(ENVELOPE(['orderEvent', 'singleDeliveryOrderEvent', 'orderDocumentsEvent', 'simpleOrderEvent'], 'Tradecloud order webhook body (JSON, or the same as tXML)')),
    ...SECURITY(true),
    ...ANSWERS(['accepted', 'duplicate', 'invalid', 'unauthorized', 'tooLarge', 'unavailable']),
  );

/** OpenAPI description of the POST shipment webhook route (no OAuth unless enabled). */
export const ApiShipmentWebhook = () =>
  applyDecorators(
    ApiTags('webhooks'),
    ApiOperation({ summary: 'Shipment webhook', description: 'The shipment carries all its lines and documents.' }),
    ApiBody(ENVELOPE(['shipment'], 'Tradecloud shipment webhook body')),
    ...SECURITY(false),
    ...ANSWERS(['accepted', 'duplicate', 'invalid', 'unauthorized', 'tooLarge', 'unavailable']),
  );

/** What the GET webhooks accept as an id (`GetWebhookHandler` checks the same). */
const GET_ID_SCHEMA = {
  orderId: { type: 'string', format: 'uuid' },
  shipmentId: { type: 'string', minLength: 1, maxLength: FIELD_LIMITS.id },
} as const;

/** OpenAPI description of a legacy GET webhook route. */
export const ApiGetWebhook = (parameter: 'orderId' | 'shipmentId', inPath: boolean) =>
  applyDecorators(
    ApiTags('webhooks'),
    ApiOperation({
      summary: `Legacy GET ${parameter === 'orderId' ? 'order' : 'shipment'} webhook`,
      description: 'Stored as an event; processing fetches the whole entity from the Tradecloud API.',
    }),
    inPath
      ? ApiParam({ name: parameter, required: true, schema: GET_ID_SCHEMA[parameter] })
      : ApiQuery({ name: parameter, required: true, schema: GET_ID_SCHEMA[parameter] }),
    ...SECURITY(parameter === 'orderId'),
    ...ANSWERS(['accepted', 'invalid', 'unauthorized', 'unavailable']),
  );

/**
 * Serves the OpenAPI document of the webhook routes at `/docs` (UI) and `/docs-json`.
 * Standalone service: always. Hosts: call it on their own app if they want it.
 */
export function setupTradecloudOpenApi(app: INestApplication, path = 'docs'): void {
  const config = new DocumentBuilder()
    .setTitle('Tradecloud One webhook receiver')
    .setDescription('Webhook routes Tradecloud calls. Answers of 2xx are delivered; 4xx and 500 are dropped by Tradecloud; above 500 retried.')
    .setVersion('1')
    .addBasicAuth(undefined, 'basic')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Static token' }, 'bearer')
    .addOAuth2(
      { type: 'oauth2', description: 'Microsoft Entra client credentials (orders and order documents only)', flows: { clientCredentials: { tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token', scopes: {} } } },
      'oauth2',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(path, app, document, { jsonDocumentUrl: `${path}-json` });
}
