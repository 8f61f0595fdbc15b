import fc from 'fast-check';
import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { ShipmentLineRow, ShipmentSnapshotMapper } from './shipment-snapshot.mapper';

/**
 * Property-based cases: generated shipments (loose lines and load carriers, optional fields
 * present or absent), sent through `stringifyExact`/`parseExact` as the processor receives them.
 * Expected rows are read from the model.
 */

type Json = Record<string, unknown>;

const mapper = new ShipmentSnapshotMapper();
const RUNS = { numRuns: 150 };
const SHIPMENT_UPDATED = '2025-06-30T06:12:44.507Z';

const decimal: fc.Arbitrary<string> = fc.oneof(
  fc.record({ units: fc.bigInt({ min: 0n, max: 10n ** 30n }), scale: fc.integer({ min: 0, max: 24 }) }).map(({ units, scale }) => {
    const digits = units.toString().padStart(scale + 1, '0');
    return scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  }),
  fc.constantFrom('1.10', '450.000', '0.000000000000000000001', '12345678901234567890.123456789'),
);
const word = fc.stringMatching(/^[A-Z0-9][A-Z0-9\-]{0,11}$/);
const position = fc.stringMatching(/^[0-9]{1,4}$/);
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms).toISOString());

interface LineModel {
  despatchAdviceNumber: string;
  despatchAdviceLinePosition: string;
  purchaseOrderNumber: string;
  purchaseOrderLinePosition: string;
  deliverySchedulePosition?: string;
  itemNumber?: string;
  despatchQuantity: string;
  backorderQuantity?: string;
  lastUpdatedAt?: string;
}

interface CarrierModel {
  containerNumber?: string;
  containerSizeAndType?: string;
  packageSSCC?: string;
  packageType?: string;
  lines: LineModel[];
}

const lineModel: fc.Arbitrary<LineModel> = fc.record(
  {
    despatchAdviceNumber: word,
    despatchAdviceLinePosition: position,
    purchaseOrderNumber: word,
    purchaseOrderLinePosition: position,
    deliverySchedulePosition: position,
    itemNumber: word,
    despatchQuantity: decimal,
    backorderQuantity: decimal,
    lastUpdatedAt: instant,
  },
  { requiredKeys: ['despatchAdviceNumber', 'despatchAdviceLinePosition', 'purchaseOrderNumber', 'purchaseOrderLinePosition', 'despatchQuantity'] },
);
const carrierModel: fc.Arbitrary<CarrierModel> = fc.record(
  { containerNumber: word, containerSizeAndType: word, packageSSCC: fc.stringMatching(/^[0-9]{18}$/), packageType: word, lines: fc.array(lineModel, { maxLength: 3 }) },
  { requiredKeys: ['lines'] },
);
const shipmentModel = fc.record({ lines: fc.array(lineModel, { maxLength: 4 }), carriers: fc.array(carrierModel, { maxLength: 3 }) });

function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

function lineJson(line: LineModel): Json {
  return compact({
    purchaseOrderNumber: line.purchaseOrderNumber,
    purchaseOrderLinePosition: line.purchaseOrderLinePosition,
    deliverySchedulePosition: line.deliverySchedulePosition,
    item: compact({ buyerItemNumber: line.itemNumber }),
    supplierLine: compact({
      despatchAdviceNumber: line.despatchAdviceNumber,
      despatchAdviceLinePosition: line.despatchAdviceLinePosition,
      despatchQuantity: new LosslessNumber(line.despatchQuantity),
      backorderQuantity: line.backorderQuantity === undefined ? undefined : new LosslessNumber(line.backorderQuantity),
    }),
    meta: line.lastUpdatedAt === undefined ? undefined : { lastUpdatedAt: line.lastUpdatedAt },
  });
}

function shipment(model: { lines: LineModel[]; carriers: CarrierModel[] }): Json {
  return parseExact(
    stringifyExact({
      id: 'dcf95157-6451-4be2-a92e-a13a151f9572-SHP-PROPERTY',
      supplierShipment: { companyId: 'dcf95157-6451-4be2-a92e-a13a151f9572', shipmentNumber: 'SHP-PROPERTY' },
      buyerShipment: { companyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8' },
      lines: model.lines.map(lineJson),
      loadCarriers: model.carriers.map((carrier) => compact({ ...carrier, lines: carrier.lines.map(lineJson) })),
      status: { processStatus: 'Issued' },
      meta: { lastUpdatedAt: SHIPMENT_UPDATED },
    }),
  ) as Json;
}

function expectedRow(line: LineModel, carrier: CarrierModel | null, path: string[]): Omit<ShipmentLineRow, 'line'> {
  return {
    path,
    despatchAdviceNumber: line.despatchAdviceNumber,
    despatchAdviceLinePosition: line.despatchAdviceLinePosition,
    purchaseOrderNumber: line.purchaseOrderNumber,
    purchaseOrderLinePosition: line.purchaseOrderLinePosition,
    deliverySchedulePosition: line.deliverySchedulePosition ?? null,
    itemNumber: line.itemNumber ?? null,
    despatchQuantity: line.despatchQuantity,
    backorderQuantity: line.backorderQuantity ?? null,
    containerNumber: carrier?.containerNumber ?? null,
    containerSizeAndType: carrier?.containerSizeAndType ?? null,
    packageSscc: carrier?.packageSSCC ?? null,
    packageType: carrier?.packageType ?? null,
    lastUpdatedAt: line.lastUpdatedAt ?? SHIPMENT_UPDATED,
  };
}

function withoutLine(row: ShipmentLineRow): Omit<ShipmentLineRow, 'line'> {
  const { line, ...rest } = row;
  void line;
  return rest;
}

describe('ShipmentSnapshotMapper properties', () => {
  it('gives one row per line, loose lines then each carrier’s, keys and quantities copied exactly, carrier fields only on carrier lines', () => {
    fc.assert(
      fc.property(shipmentModel, (model) => {
        const rows = mapper.map(shipment(model)).lines;
        const expected = [
          ...model.lines.map((line, index) => expectedRow(line, null, ['lines', String(index)])),
          ...model.carriers.flatMap((carrier, carrierIndex) =>
            carrier.lines.map((line, index) => expectedRow(line, carrier, ['loadCarriers', String(carrierIndex), 'lines', String(index)])),
          ),
        ];
        expect(rows.map(withoutLine)).toEqual(expected);
        // The path leads to the very object mapped (PostgreSQL reads the line's JSON there: `body -> 'shipment' #> path`).
        const shipmentJson = shipment(model);
        const mapped = mapper.map(shipmentJson).lines;
        for (const row of mapped) expect(row.path!.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], shipmentJson)).toBe(row.line);
      }),
      RUNS,
    );
  });

  it('a shipment version without some lines maps to exactly the rows of the lines it still has', () => {
    fc.assert(
      fc.property(shipmentModel, fc.infiniteStream(fc.boolean()), (model, keeps) => {
        const keep = () => keeps.next().value as boolean;
        const before = mapper.map(shipment(model)).lines;
        const kept = { lines: model.lines.map((line) => ({ line, keep: keep() })), carriers: model.carriers.map((carrier) => carrier.lines.map((line) => ({ line, keep: keep() }))) };
        const after = mapper.map(
          shipment({
            lines: kept.lines.filter((entry) => entry.keep).map((entry) => entry.line),
            carriers: model.carriers.map((carrier, index) => ({ ...carrier, lines: kept.carriers[index].filter((entry) => entry.keep).map((entry) => entry.line) })),
          }),
        ).lines;
        const keptFlags = [...kept.lines.map((entry) => entry.keep), ...kept.carriers.flat().map((entry) => entry.keep)];
        // Same rows but where they lie (`path`: the indexes shift when lines before them are gone).
        const values = (row: ShipmentLineRow) => ({ ...withoutLine(row), path: undefined });
        expect(after.map(values)).toEqual(before.filter((_row, index) => keptFlags[index]).map(values));
      }),
      RUNS,
    );
  });
});

describe('ShipmentSnapshotMapper properties, header', () => {
  const localDate = fc.integer({ min: 0, max: 3650 }).map((days) => new Date(Date.UTC(2020, 0, 1) + days * 86_400_000).toISOString().slice(0, 10));
  const gln = fc.stringMatching(/^[0-9]{13}$/);
  const headerModel = fc.record(
    {
      transportMode: fc.constantFrom('Road transport', 'Sea transport', 'Air transport'),
      processStatusReason: word,
      etd: localDate,
      atd: localDate,
      etaStart: localDate,
      etaEnd: localDate,
      ata: localDate,
      departureLocationId: gln,
      destinationLocationId: gln,
      secondDestinationId: gln,
      billOfLadingNumber: word,
      trackingNumber: word,
      carrierShipmentNumber: word,
      invoiceNumbers: fc.array(word, { maxLength: 3 }),
      buyerCompanyId: fc.uuid(),
    },
    { requiredKeys: [] },
  );

  it('maps each header column from its field (dates of the first destination), null when absent', () => {
    fc.assert(
      fc.property(headerModel, instant, (model, lastUpdatedAt) => {
        const destinations = [
          compact({ location: model.destinationLocationId === undefined ? undefined : { id: model.destinationLocationId }, etaStartDate: model.etaStart, etaEndDate: model.etaEnd, ataDate: model.ata }),
          // A second destination's dates are not the shipment's.
          ...(model.secondDestinationId === undefined ? [] : [{ location: { id: model.secondDestinationId }, etaStartDate: '2019-01-01', etaEndDate: '2019-01-02', ataDate: '2019-01-03' }]),
        ];
        const body = parseExact(
          stringifyExact(
            compact({
              id: 'SHP-H',
              transportMode: model.transportMode,
              identifiers: compact({ billOfLadingNumber: model.billOfLadingNumber, trackingNumber: model.trackingNumber, carrierShipmentNumber: model.carrierShipmentNumber }),
              supplierShipment: compact({ companyId: 'dcf95157-6451-4be2-a92e-a13a151f9572', shipmentNumber: 'SHP-H', invoiceNumbers: model.invoiceNumbers }),
              buyerShipment: compact({ companyId: model.buyerCompanyId }),
              locations: {
                departure: compact({ location: model.departureLocationId === undefined ? undefined : { id: model.departureLocationId }, etdDate: model.etd, atdDate: model.atd }),
                destinations,
              },
              status: compact({ processStatus: 'Issued', processStatusReason: model.processStatusReason }),
              meta: { lastUpdatedAt },
            }),
          ),
        ) as Json;
        const { shipment: stored, ...row } = mapper.map(body).header;
        expect(stored).toBe(body);
        expect(row).toEqual({
          shipmentId: 'SHP-H',
          shipmentNumber: 'SHP-H',
          supplierCompanyId: 'dcf95157-6451-4be2-a92e-a13a151f9572',
          buyerCompanyId: model.buyerCompanyId ?? null,
          processStatus: 'Issued',
          processStatusReason: model.processStatusReason ?? null,
          transportMode: model.transportMode ?? null,
          etd: model.etd ?? null,
          atd: model.atd ?? null,
          etaStart: model.etaStart ?? null,
          etaEnd: model.etaEnd ?? null,
          ata: model.ata ?? null,
          departureLocationId: model.departureLocationId ?? null,
          destinationLocationId: model.destinationLocationId ?? null,
          billOfLadingNumber: model.billOfLadingNumber ?? null,
          trackingNumber: model.trackingNumber ?? null,
          carrierShipmentNumber: model.carrierShipmentNumber ?? null,
          invoiceNumbers: model.invoiceNumbers ?? null,
          lastUpdatedAt,
        });
      }),
      RUNS,
    );
  });
});
