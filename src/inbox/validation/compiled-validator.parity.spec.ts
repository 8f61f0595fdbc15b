import 'reflect-metadata';
import fc from 'fast-check';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { sample, SampleName } from '../../../test/support/samples';
import { OrderEventDto, OrderWebhookBodyDto } from '../../orders/dto/order-events.dto';
import { ShipmentDto, ShipmentWebhookBodyDto } from '../../shipments/dto/shipment-webhook.dto';
import { validateBody, validateBodyWithClassValidator } from '../validation-messages';
import { compiledValidatorFor } from './compiled-validator';

/**
 * The compiled validator against class-validator itself (`validateBodyWithClassValidator`, the
 * implementation `validateBody` had before), on the real sample bodies mutated at random: fields
 * deleted, types swapped, wrong dates and UUIDs, strings around every length limit, nested
 * non-objects, arrays where objects belong and the reverse, nulls, unknown fields. Every run must
 * give the same messages in the same order. Seeded, so a failure reproduces; fast-check prints the
 * shrunk body.
 */

type Dto = new () => object;
type Body = Record<string, unknown>;

/** The POST bodies with their DTO, and the fetched entities as `fetched-entity.appliers.ts` checks them. */
const CASES: Array<{ name: string; dto: Dto; body: () => Body }> = [
  { name: 'orderEvent', dto: OrderWebhookBodyDto, body: () => sample('post-order-event') },
  { name: 'singleDeliveryOrderEvent', dto: OrderWebhookBodyDto, body: () => sample('post-single-delivery-order-event') },
  { name: 'orderDocumentsEvent', dto: OrderWebhookBodyDto, body: () => sample('post-order-documents-event') },
  { name: 'shipment event', dto: ShipmentWebhookBodyDto, body: () => sample('post-shipment-event') },
  { name: 'fetched order', dto: OrderEventDto, body: () => fetchedOrder() },
  { name: 'fetched shipment', dto: ShipmentDto, body: () => sample('get-shipment-response') },
];

function fetchedOrder(): Body {
  const order = sample('get-order-response');
  return { ...order, orderId: order.id };
}

const SAMPLES: SampleName[] = ['post-order-event', 'post-single-delivery-order-event', 'post-order-documents-event', 'post-shipment-event', 'get-order-response', 'get-shipment-response'];

/** Every property name some DTO validates, plus the samples' own keys: the keys inserted at random. */
const KEYS = [
  ...new Set([
    ...[...(getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, Array<{ propertyName: string }>> }).validationMetadatas.values()].flat().map((m) => m.propertyName),
    ...SAMPLES.flatMap((name) => keysOf(sample(name))),
    'extra',
    '0',
  ]),
].sort();

function keysOf(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => (Array.isArray(value) ? keysOf(child) : [key, ...keysOf(child)]));
}

/** Parts of the samples (a line, a document, a delivery…) to put in the wrong place. */
const PARTS: unknown[] = SAMPLES.map((name) => sample(name) as unknown).flatMap((body) => nodes(body).map((path) => at(body, path))).filter((v) => v && typeof v === 'object');

const x = (n: number) => 'x'.repeat(n);
const LIMITS = [99, 100, 101, 199, 200, 201, 254, 255, 256, 499, 500, 501, 2047, 2048, 2049];

/** Values a hostile or broken sender could put anywhere. Never a `__proto__`/`constructor` key: the intake refuses those before validation. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0.5, 2147483647, 2147483648, -2147483648, -2147483649, 1e21, '', ' ', 'x', '0010', '文') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '2025-02-30', '2025-02-28', '2024-02-29', '0000-01-01', '10000-01-01', '2025-06-12', '2025-06-12T09:41:27.318Z', '2025-06-12T09:41:27Z',
      '2025-06-12T09:41:27.318+02:00', '2025-13-01T00:00:00Z', '2025-06-12 09:41:27', '2025-06-12T25:00:00Z', 'not-a-date',
      '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8', '3C3A301C-B704-4E6E-A8DF-A1F1CC8E6AE8', '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae', '00000000-0000-0000-0000-000000000000',
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom(...LIMITS).map((n) => x(n)) },
  { weight: 1, arbitrary: fc.constantFrom(682, 683, 684, 700).map((n) => `https://supplier-example.de/${'文'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 6_000 }).map((n) => x(n)) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>([], {}, [null], [1, 'a'], [{}], [[]], [[{}]], { a: 1 }, [x(3)]) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) },
  { weight: 2, arbitrary: fc.constantFrom(...PARTS).map((part) => structuredClone(part)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).filter((v) => !hasForbiddenKey(v)) },
);

function hasForbiddenKey(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => key === '__proto__' || key === 'constructor' || hasForbiddenKey(child));
}

/** One edit at the `at`-th node (in document order, `at` taken modulo the node count) of the body as it is by then. */
type Mutation = { kind: 'delete' | 'set' | 'insert' | 'wrap' | 'unwrap' | 'duplicate'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'delete', 'set', 'set', 'set', 'insert', 'insert', 'wrap', 'unwrap', 'duplicate'),
  at: fc.nat(),
  key: fc.constantFrom(...KEYS),
  value: hostile,
});

function nodes(value: unknown, path: string[] = []): string[][] {
  const here = [path];
  if (!value || typeof value !== 'object') return here;
  return here.concat(...Object.entries(value).map(([key, child]) => nodes(child, [...path, key])));
}

function at(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], value);
}

function mutate(body: Body, edit: Mutation): Body {
  const all = nodes(body);
  const path = all[edit.at % all.length];
  const current = at(body, path);
  if (edit.kind === 'insert') {
    if (current && typeof current === 'object' && !Array.isArray(current)) (current as Body)[edit.key] = edit.value;
    else if (Array.isArray(current)) current.splice(edit.at % (current.length + 1), 0, edit.value);
    return body;
  }
  if (edit.kind === 'duplicate' && Array.isArray(current)) {
    current.push(...structuredClone(current));
    return body;
  }
  const replacement =
    edit.kind === 'set' ? edit.value
    : edit.kind === 'wrap' ? [current]
    : edit.kind === 'unwrap' ? (Array.isArray(current) ? (current[0] ?? { ...current }) : current && typeof current === 'object' ? Object.values(current) : { value: current })
    : undefined;
  if (!path.length) return replacement && typeof replacement === 'object' && !Array.isArray(replacement) ? (replacement as Body) : body;
  const parent = at(body, path.slice(0, -1)) as Body | unknown[];
  const key = path[path.length - 1];
  if (edit.kind !== 'delete') (parent as Body)[key] = replacement;
  else if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return body;
}

async function expectSameMessages(dto: Dto, body: Body): Promise<void> {
  const expected = await validateBodyWithClassValidator(dto, body);
  expect(compiledValidatorFor(dto).validate!(body)).toEqual(expected);
}

const SEED = 20_250_612;

describe('compiled validator: same messages as class-validator', () => {
  it('compiles every webhook DTO (none falls back to class-validator)', () => {
    for (const { dto } of CASES) expect({ dto: dto.name, reasons: compiledValidatorFor(dto).fallbackReasons }).toEqual({ dto: dto.name, reasons: [] });
  });

  it.each(CASES)('accepts the unchanged $name sample', async ({ dto, body }) => {
    expect(compiledValidatorFor(dto).validate!(body())).toEqual([]);
    expect(await validateBody(dto, body())).toEqual([]);
  });

  it.each(CASES)('$name: mutated samples', async ({ dto, body }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (edits) => {
        await expectSameMessages(dto, edits.reduce(mutate, body()));
      }),
      { seed: SEED, numRuns: 700 },
    );
    // 700 validations by both validators: about 2.5 s alone, over the 5 s default on a loaded machine.
  }, 30_000);

  it('every sample against every DTO, mutated', async () => {
    const dtos = [...new Set(CASES.map((c) => c.dto))];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dtos), fc.constantFrom(...SAMPLES), fc.array(mutation, { maxLength: 2 }), async (dto, name, edits) => {
        await expectSameMessages(dto, edits.reduce(mutate, sample(name) as Body));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('random JSON objects', async () => {
    const dtos = [...new Set(CASES.map((c) => c.dto))];
    const body = fc.dictionary(fc.constantFrom(...KEYS), hostile, { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dtos), body, async (dto, json) => expectSameMessages(dto, json)),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('the cases the old implementation was checked on by hand', async () => {
    const order = sample('post-order-event');
    const { orderEvent } = order;
    const bodies: Body[] = [
      { ...order, orderEvent: { ...orderEvent, lines: ['a', null, 3, [1, {}], { id: 1 }] } },
      { ...order, orderEvent: { ...orderEvent, lines: { a: 1 } } },
      { ...order, orderEvent: [orderEvent, 1] },
      { ...order, orderEvent: 'x' },
      { ...order, orderEvent: null },
      { ...order, orderEvent: { ...orderEvent, constructor: 1 } },
      { ...order, toString: 1, eventName: 5 },
      {},
    ];
    for (const body of bodies) await expectSameMessages(OrderWebhookBodyDto, body);
    expect(compiledValidatorFor(OrderWebhookBodyDto).validate!(bodies[0])).toContain('orderEvent.lines[3][1].lastUpdatedAt must be an ISO 8601 date');
  });
});
