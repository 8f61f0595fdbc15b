import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { sample, SampleName } from '../../test/support/samples';
import { FIELD_LIMITS } from '../inbox/field-limits';
import { validateBody } from '../inbox/validation-messages';
import { OrderEventDto, OrderWebhookBodyDto } from '../orders/dto/order-events.dto';
import { ShipmentDto, ShipmentWebhookBodyDto } from '../shipments/dto/shipment-webhook.dto';

const HEADER_DOC = 'orderDocumentsEvent.supplierOrder.documents[0]';
const LINE_DOC = 'orderDocumentsEvent.lines[0].supplierLine.documents[0]';

/** The order-documents sample with one field of its first header document replaced. */
function withHeaderDocument(field: string, value: unknown) {
  const body = sample('post-order-documents-event');
  body.orderDocumentsEvent.supplierOrder.documents[0][field] = value;
  return body;
}

describe('DocumentReferenceDto limits (through the webhook DTOs, with field paths)', () => {
  it.each<[SampleName, new () => object]>([
    ['post-order-event', OrderWebhookBodyDto],
    ['post-single-delivery-order-event', OrderWebhookBodyDto],
    ['post-order-documents-event', OrderWebhookBodyDto],
    ['post-shipment-event', ShipmentWebhookBodyDto],
  ])('accepts the %s sample unchanged', async (name, dto) => {
    expect(await validateBody(dto, sample(name))).toEqual([]);
  });

  it('accepts the fetched-entity samples with the checks the GET webhooks apply', async () => {
    const order = sample('get-order-response');
    expect(await validateBody(OrderEventDto, { ...order, orderId: order.id })).toEqual([]);
    expect(await validateBody(ShipmentDto, sample('get-shipment-response'))).toEqual([]);
  });

  it.each([
    ['objectId', FIELD_LIMITS.id],
    ['code', FIELD_LIMITS.documentCode],
    ['revision', FIELD_LIMITS.documentRevision],
    ['name', FIELD_LIMITS.documentName],
    ['type', FIELD_LIMITS.documentType],
  ])('accepts a %s of exactly the limit and refuses one character more, naming the field path', async (field, limit) => {
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument(field, 'x'.repeat(limit)))).toEqual([]);
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument(field, 'x'.repeat(limit + 1)))).toEqual([
      `${HEADER_DOC}.${field} must be at most ${limit} characters long`,
    ]);
  });

  it('refuses the 6.7 kB objectId the reliability suite found (it used to be accepted, and its download ended dead)', async () => {
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('objectId', 'f'.repeat(6_700)))).toEqual([
      `${HEADER_DOC}.objectId must be at most 200 characters long`,
    ]);
  });

  it('bounds the url in UTF-8 bytes: 2048 ASCII characters pass, 2049 do not; 673 three-byte characters (2047 bytes) pass, 700 do not', async () => {
    const url = (length: number) => `https://supplier-example.de/${'a'.repeat(length - 'https://supplier-example.de/'.length)}`;
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('url', url(2048)))).toEqual([]);
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('url', url(2049)))).toEqual([
      `${HEADER_DOC}.url must be at most 2048 bytes long (UTF-8)`,
    ]);
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('url', `https://supplier-example.de/${'文'.repeat(673)}`))).toEqual([]);
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('url', `https://supplier-example.de/${'文'.repeat(700)}`))).toEqual([
      `${HEADER_DOC}.url must be at most 2048 bytes long (UTF-8)`,
    ]);
  });

  it('leaves the url scheme to the download (a non-http(s) link fails there, it does not refuse the event)', async () => {
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('url', 'ftp://files.supplier-example.de/old.pdf'))).toEqual([]);
  });

  it('keeps description unbounded, like a line description', async () => {
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('description', 'd'.repeat(100_000)))).toEqual([]);
  });

  it.each([['text'], [['2025-06-30T06:12:44.507Z']], [42]])('refuses a meta that is not an object (%j)', async (meta) => {
    const problems = await validateBody(OrderWebhookBodyDto, withHeaderDocument('meta', meta));
    expect(problems).toContain(`${HEADER_DOC}.meta must be an object`);
  });

  it('accepts a meta object, and an absent or null one', async () => {
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('meta', { lastUpdatedAt: '2025-06-30T06:12:44.507Z', extra: 1 }))).toEqual([]);
    expect(await validateBody(OrderWebhookBodyDto, withHeaderDocument('meta', null))).toEqual([]);
  });

  it('checks line documents and every refused field at once', async () => {
    const body = sample('post-order-documents-event');
    Object.assign(body.orderDocumentsEvent.lines[0].supplierLine.documents[0], { objectId: 'o'.repeat(201), code: 'c'.repeat(201) });
    expect((await validateBody(OrderWebhookBodyDto, body)).sort()).toEqual([
      `${LINE_DOC}.code must be at most 200 characters long`,
      `${LINE_DOC}.objectId must be at most 200 characters long`,
    ]);
  });

  it('applies the same limits to shipment documents and to fetched orders and shipments', async () => {
    const posted = sample('post-shipment-event');
    posted.shipment.supplierShipment.documents[0].objectId = 'o'.repeat(201);
    expect(await validateBody(ShipmentWebhookBodyDto, posted)).toEqual(['shipment.supplierShipment.documents[0].objectId must be at most 200 characters long']);

    const fetchedShipment = sample('get-shipment-response');
    fetchedShipment.buyerShipment.documents[0].url = `https://x.example/${'a'.repeat(2048)}`;
    expect(await validateBody(ShipmentDto, fetchedShipment)).toEqual(['buyerShipment.documents[0].url must be at most 2048 bytes long (UTF-8)']);

    const fetchedOrder = sample('get-order-response');
    fetchedOrder.lines[0].supplierLine.documents[0].name = 'n'.repeat(256);
    expect(await validateBody(OrderEventDto, { ...fetchedOrder, orderId: fetchedOrder.id })).toEqual([
      'lines[0].supplierLine.documents[0].name must be at most 255 characters long',
    ]);
  });
});
