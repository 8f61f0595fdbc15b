import fc from 'fast-check';
import {
  buildOrderDocumentsEvent,
  buildOrderEvent,
  buildShipmentEvent,
  buildSingleDeliveryOrderEvent,
} from '../../support/tradecloud-simulator';
import { orderBodyAsTxml } from '../../../src/cli/simulate/txml-body';

/** One hostile request: what to send, and which category of the generator made it. */
export interface HostileRequest {
  category: string;
  path: '/orders' | '/order-documents' | '/shipments';
  body: Buffer;
  contentType: string;
  /** What was broken, for the report of a request that was not refused. */
  note?: string;
}

type Json = Record<string, any>;
type Path = Array<string | number>;
const RAW = (text: string) => `__RAW__${text}__RAW__`;
const LINE = 0;

/** A valid body of each webhook shape, varied by seed. */
const validBody = (shape: number, seed: number): { path: HostileRequest['path']; body: Json; kind: string } => {
  switch (shape) {
    case 0:
      return { path: '/orders', body: buildOrderEvent({ seed, lineCount: 2, headerDocuments: 1 }), kind: 'orderEvent' };
    case 1:
      return { path: '/orders', body: buildSingleDeliveryOrderEvent({ seed, lineCount: 2 }), kind: 'singleDeliveryOrderEvent' };
    case 2:
      return { path: '/order-documents', body: buildOrderDocumentsEvent({ seed, lineNumbers: [1, 2] }), kind: 'orderDocumentsEvent' };
    default:
      return { path: '/shipments', body: buildShipmentEvent({ seed, lineCount: 2, loadCarrierCount: 0, documentCount: 1 }), kind: 'shipment' };
  }
};

const notUuid = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae71', 'd0d74b64fe9c4af2b5b39ebd6bdae718', 'g0d74b64-fe9c-4af2-b5b3-9ebd6bdae718'),
  fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}),
);
const notInstant = fc.oneof(
  fc.constantFrom(
    '', 'yesterday', '2025-02-30T10:00:00Z', '2025-13-01T00:00:00Z', '2025-06-12T25:00:00Z', '2025-06-12T10:00:00+25:00', '12/06/2025',
    '0000-01-01T00:00:00Z', '2025-06-31T00:00:00.000Z', '2023-02-29T12:00:00Z', RAW('1234567890123456789012345678901234567890'),
  ),
  fc.string({ maxLength: 30 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constant({}),
);
const notLocalDate = fc.oneof(
  fc.constantFrom('', '2025-02-30', '2025-13-01', '2025-00-10', '2025-06-00', '0000-01-01', '2025-6-1', '2023-02-29', '20250612', '2025-06-12T00:00:00Z'),
  fc.integer(), fc.constant(null), fc.boolean(),
);
const notNumber = fc.oneof(
  fc.constantFrom('12', 'NaN', '', '1e400', RAW('1e400'), RAW('-1e999')),
  fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([1]), fc.string({ maxLength: 10 }),
);
const notInteger = fc.oneof(fc.constantFrom(1.5, '4', RAW('1234567890123456789012345678901234567890'), RAW('2147483648'), RAW('1e3000')), notNumber);
const notText = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant({}), fc.constant(['x']), fc.double());
const notObject = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant([]), fc.boolean());
const notArray = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant({}), fc.constant(null));
const DELETE = Symbol('delete');
/** For optional fields, where null means absent and is valid. */
const present = <T>(arbitrary: fc.Arbitrary<T>) => arbitrary.filter((value) => value !== null);
/** Longer than any index entry PostgreSQL can hold (about 2.7 kB): such a value must be refused, not accepted and then never stored. */
const tooLong = fc.integer({ min: 3_000, max: 20_000 }).map((length) => 'X'.repeat(length));

/**
 * A document reference's checked fields (the same DTO for order and shipment documents): its
 * identity (`objectId`, else `url`, else `code` + `revision` + `name`) is bounded, `meta` is an object.
 */
function documentInvalidations(document: Path): Array<[Path, fc.Arbitrary<unknown>]> {
  return [
    [[...document, 'objectId'], fc.oneof(tooLong, present(notText))],
    [[...document, 'url'], fc.oneof(tooLong, present(notText))],
    [[...document, 'code'], tooLong],
    [[...document, 'revision'], tooLong],
    [[...document, 'name'], tooLong],
    [[...document, 'meta'], notObject],
  ];
}

/** Fields the DTOs check, per shape, with values each check must refuse. */
function invalidations(kind: string): Array<[Path, fc.Arbitrary<unknown>]> {
  const common: Array<[Path, fc.Arbitrary<unknown>]> = [[['eventName'], fc.oneof(notText, fc.constant(''), fc.constant(DELETE))]];
  if (kind === 'shipment') {
    const line: Path = ['shipment', 'lines', LINE];
    return [
      ...common,
      [['shipment'], fc.oneof(notObject, fc.constant(DELETE))],
      [['shipment', 'id'], fc.oneof(notText, fc.constant(''), fc.constant(DELETE))],
      [['shipment', 'meta'], fc.oneof(notObject, fc.constant(DELETE))],
      [['shipment', 'meta', 'lastUpdatedAt'], fc.oneof(notInstant, fc.constant(DELETE))],
      [['shipment', 'supplierShipment', 'companyId'], notUuid],
      [['shipment', 'supplierShipment', 'shipmentNumber'], fc.oneof(notText, fc.constant(''))],
      [['shipment', 'buyerShipment'], fc.oneof(notObject, fc.constant(DELETE))],
      [['shipment', 'lines'], present(notArray)],
      [[...line, 'purchaseOrderNumber'], fc.oneof(notText, fc.constant(DELETE))],
      [[...line, 'supplierLine', 'despatchQuantity'], fc.oneof(notNumber, fc.constant(DELETE))],
      [[...line, 'supplierLine', 'despatchAdviceNumber'], fc.oneof(notText, fc.constant(''))],
      [[...line, 'meta', 'lastUpdatedAt'], present(notInstant)],
      [['shipment', 'id'], tooLong],
      [['shipment', 'supplierShipment', 'shipmentNumber'], tooLong],
      [[...line, 'purchaseOrderNumber'], tooLong],
      [[...line, 'supplierLine', 'despatchAdviceNumber'], tooLong],
      [['meta', 'messageId'], tooLong],
      ...documentInvalidations(['shipment', 'supplierShipment', 'documents', 0]),
      ...documentInvalidations(['shipment', 'buyerShipment', 'documents', 0]),
    ];
  }
  if (kind === 'orderDocumentsEvent') {
    return [
      ...common,
      [[kind], fc.oneof(notObject, fc.constant(DELETE))],
      [[kind, 'orderId'], fc.oneof(notUuid, fc.constant(DELETE))],
      [[kind, 'lines', LINE, 'id'], present(notUuid)],
      [[kind, 'lastUpdatedAt'], present(notInstant)],
      ...documentInvalidations([kind, 'supplierOrder', 'documents', 0]),
      ...documentInvalidations([kind, 'lines', LINE, 'supplierLine', 'documents', 0]),
    ];
  }
  const line: Path = [kind, 'lines', LINE];
  const fields: Array<[Path, fc.Arbitrary<unknown>]> = [
    ...common,
    [[kind], fc.oneof(notObject, fc.constant(DELETE))],
    [[kind, 'orderId'], fc.oneof(notUuid, fc.constant(DELETE))],
    [[kind, 'lastUpdatedAt'], fc.oneof(notInstant, fc.constant(DELETE))],
    [[kind, 'version'], present(notInteger)],
    [[kind, 'buyerOrder'], fc.oneof(notObject, fc.constant(DELETE))],
    [[kind, 'buyerOrder', 'companyId'], fc.oneof(notUuid, fc.constant(DELETE))],
    [[kind, 'buyerOrder', 'purchaseOrderNumber'], fc.oneof(notText, fc.constant(DELETE))],
    [[kind, 'lines'], fc.oneof(notArray, fc.constant(DELETE))],
    [[...line, 'id'], fc.oneof(notUuid, fc.constant(DELETE))],
    [[...line, 'lastUpdatedAt'], fc.oneof(notInstant, fc.constant(DELETE))],
    [[kind, 'buyerOrder', 'purchaseOrderNumber'], tooLong],
    [[kind, 'meta', 'messageId'], tooLong],
    [[...line, 'buyerLine', 'position'], tooLong],
    [[...line, 'status', 'processStatus'], tooLong],
    ...documentInvalidations([kind, 'buyerOrder', 'documents', 0]),
    ...documentInvalidations([...line, 'buyerLine', 'documents', 0]),
  ];
  if (kind === 'orderEvent') {
    fields.push([[...line, 'deliverySchedule', 0, 'date'], notLocalDate], [[...line, 'deliverySchedule', 0, 'quantity'], fc.oneof(notNumber, fc.constant(DELETE))]);
    fields.push([[...line, 'prices', 'netPrice', 'priceInTransactionCurrency', 'value'], present(notNumber)]);
  } else {
    fields.push([[...line, 'statusLine', 'scheduledDelivery', 'date'], notLocalDate], [[...line, 'statusLine', 'scheduledDelivery', 'quantity'], present(notNumber)]);
  }
  return fields;
}

function setAt(body: Json, path: Path, value: unknown): void {
  let node: any = body;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof path[path.indexOf(key) + 1] === 'number' ? [] : {};
    node = node[key];
  }
  const last = path[path.length - 1];
  if (value === DELETE) delete node[last];
  else node[last] = value;
}

const toText = (body: unknown) => JSON.stringify(body).replace(/"__RAW__(.*?)__RAW__"/g, '$1');
const shapeAndSeed = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1_000_000 }));

/** A valid body with one to three checked fields broken: always invalid. */
const brokenFields = shapeAndSeed.chain(([shape, seed]) => {
  const { path, body, kind } = validBody(shape, seed);
  const fields = invalidations(kind);
  return fc
    .uniqueArray(fc.integer({ min: 0, max: fields.length - 1 }), { minLength: 1, maxLength: 3 })
    .chain((picked) => fc.tuple(...picked.map((index) => fields[index][1].map((value) => [fields[index][0], value] as const))))
    .map((mutations) => {
      for (const [target, value] of mutations) setAt(body, target, value);
      const note = mutations.map(([target, value]) => `${target.join('.')}=${value === DELETE ? '(deleted)' : JSON.stringify(value)?.slice(0, 60)}`).join('; ');
      return { category: 'broken fields (DTO checks)', path, body: Buffer.from(toText(body)), contentType: 'application/json', note } as HostileRequest;
    });
});

/** `__proto__` / `constructor` keys somewhere in a body that is also broken. */
const pollutionKeys = fc.tuple(brokenFields, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.nat()).map(([request, key, at]) => {
  const text = request.body.toString('utf8');
  const braces = [...text.matchAll(/\{/g)].map((match) => match.index!);
  const position = braces[at % braces.length] + 1;
  const payload = key === 'constructor' ? `"constructor":{"prototype":{"polluted":"yes"}},` : `"${key}":{"polluted":"yes","toString":"x"},`;
  return { ...request, category: 'prototype-pollution keys', body: Buffer.from(text.slice(0, position) + payload + text.slice(position)) };
});

/** A valid body cut short. */
const truncated = fc.tuple(shapeAndSeed, fc.double({ min: 0.001, max: 0.999, noNaN: true })).map(([[shape, seed], share]) => {
  const { path, body } = validBody(shape, seed);
  const text = JSON.stringify(body);
  return { category: 'truncated JSON', path, body: Buffer.from(text.slice(0, Math.max(1, Math.floor(text.length * share)))), contentType: 'application/json' } as HostileRequest;
});

/** A valid body with bytes that are not UTF-8 (inside a string, or anywhere). */
const invalidUtf8 = fc
  .tuple(shapeAndSeed, fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]), fc.nat(), fc.boolean())
  .map(([[shape, seed], bytes, at, inString]) => {
    const { path, body } = validBody(shape, seed);
    const text = Buffer.from(JSON.stringify(body));
    const quotes = [...text.toString('latin1').matchAll(/"[A-Za-z]/g)].map((match) => match.index! + 1);
    const position = inString ? quotes[at % quotes.length] : at % text.length;
    return { category: 'invalid UTF-8', path, body: Buffer.concat([text.subarray(0, position), Buffer.from(bytes), text.subarray(position)]), contentType: 'application/json' } as HostileRequest;
  });

/** JSON escapes PostgreSQL's jsonb cannot store: NUL and lone surrogates. */
const unstorableEscapes = fc.tuple(shapeAndSeed, fc.constantFrom('\\u0000', '\\ud800', '\\udfff', 'a\\u0000b', '\\ud83d'), fc.nat()).map(([[shape, seed], escape, at]) => {
  const { path, body } = validBody(shape, seed);
  const text = JSON.stringify(body);
  const quotes = [...text.matchAll(/"[A-Za-z]/g)].map((match) => match.index! + 1);
  const position = quotes[at % quotes.length];
  return { category: 'unstorable escapes (\\u0000, lone surrogates)', path, body: Buffer.from(text.slice(0, position) + escape + text.slice(position)), contentType: 'application/json' } as HostileRequest;
});

/** A valid body declared as something else than JSON. */
const wrongContentType = fc
  .tuple(shapeAndSeed, fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', 'application/jsonp', 'json', 'text/json', 'application/octet-stream'))
  .map(([[shape, seed], contentType]) => {
    const { path, body } = validBody(shape, seed);
    return { category: 'wrong content type', path, body: Buffer.from(JSON.stringify(body)), contentType } as HostileRequest;
  });

/** Arbitrary JSON values (any shape, unicode strings, huge numbers), or arbitrary text. */
const randomJson = fc
  .tuple(fc.oneof(fc.json({ maxDepth: 6 }), fc.string({ unit: 'binary', maxLength: 200 })), fc.constantFrom<HostileRequest['path']>('/orders', '/order-documents', '/shipments'))
  .map(([text, path]) => ({ category: 'random JSON and text', path, body: Buffer.from(text), contentType: 'application/json' }) as HostileRequest);

/** A broken body with a deeply nested extra field. */
const deepNesting = fc.tuple(brokenFields, fc.integer({ min: 50, max: 5_000 }), fc.boolean()).map(([request, depth, arrays]) => {
  const nested = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const text = request.body.toString('utf8');
  return { ...request, category: 'deep nesting', body: Buffer.from(`{"nested":${nested},${text.slice(1)}`) };
});

/** A valid body sent to the route of another webhook. */
const wrongRoute = shapeAndSeed.map(([shape, seed]) => {
  const { path, body } = validBody(shape, seed);
  const other: HostileRequest['path'] = path === '/shipments' ? '/orders' : '/shipments';
  return { category: 'body of another webhook', path: other, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' } as HostileRequest;
});

/** The generator: every request it makes must be refused with 400, 413 or 415. */
/** A valid order body as tXML, broken in one of the ways XML can be hostile or malformed (issue 17). */
const TXML_ATTACKS: Array<[string, (xml: string, at: number) => string | Buffer]> = [
  ['entity-expansion bomb', (xml) => xml.replace('?>', '?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>').replace('<eventName>', '<eventName>&c;')],
  ['external entity', (xml) => xml.replace('?>', '?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace('<eventName>', '<eventName>&x;')],
  ['parameter entity', (xml) => xml.replace('?>', '?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>')],
  ['undeclared entity', (xml) => xml.replace('<eventName>', '<eventName>&xxe;')],
  ['truncated', (xml, at) => xml.slice(0, 1 + (at % xml.lastIndexOf('</')))],
  ['other encoding', (xml) => xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')],
  ['invalid UTF-8', (xml, at) => { const bytes = Buffer.from(xml); const i = 40 + (at % (bytes.length - 80)); return Buffer.concat([bytes.subarray(0, i), Buffer.from([0xff]), bytes.subarray(i)]); }],
  ['event element twice', (xml) => xml.replace(/(<(orderEvent|singleDeliveryOrderEvent|orderDocumentsEvent)>[\s\S]*<\/\2>)/, '$1$1')],
  ['list given both ways', (xml) => xml.replace('<line>', '<lines><line/></lines><line>')],
  ['mixed text and elements', (xml) => xml.replace('<eventName>', 'text<eventName>')],
  ['JSON declared as XML', () => '{"eventName":"OrderIssuedByBuyer"}'],
];
const hostileTxml = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 1_000_000 }), fc.nat(TXML_ATTACKS.length - 1), fc.nat()).map(([shape, seed, attack, at]) => {
  const { path, body } = validBody(shape, seed);
  const [name, breakIt] = TXML_ATTACKS[attack];
  const broken = breakIt(orderBodyAsTxml(body), at);
  return { category: `tXML: ${name}`, path, body: Buffer.isBuffer(broken) ? broken : Buffer.from(broken), contentType: 'application/xml' } as HostileRequest;
});

export const hostileRequests: fc.Arbitrary<HostileRequest> = fc.oneof(
  { arbitrary: brokenFields, weight: 40 },
  { arbitrary: pollutionKeys, weight: 10 },
  { arbitrary: truncated, weight: 10 },
  { arbitrary: invalidUtf8, weight: 8 },
  { arbitrary: unstorableEscapes, weight: 6 },
  { arbitrary: wrongContentType, weight: 6 },
  { arbitrary: randomJson, weight: 10 },
  { arbitrary: deepNesting, weight: 4 },
  { arbitrary: wrongRoute, weight: 6 },
  { arbitrary: hostileTxml, weight: 8 },
);

export { validBody, toText, RAW };
