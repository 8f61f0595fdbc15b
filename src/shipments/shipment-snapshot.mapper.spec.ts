import { describe, expect, it } from 'vitest';
import { sampleText } from '../../test/support/samples';
import { parseExact } from '../changes/lossless-json';
import { ShipmentLineRow, ShipmentSnapshotMapper } from './shipment-snapshot.mapper';

/**
 * The mapper against the reference samples, column by column, with the sample's values written
 * out. Numbers go through `parseExact`, as the event processor does.
 */

type Json = Record<string, unknown>;

const mapper = new ShipmentSnapshotMapper();

function withoutLine(row: ShipmentLineRow): Omit<ShipmentLineRow, 'line'> {
  const { line, ...rest } = row;
  void line;
  return rest;
}

describe('ShipmentSnapshotMapper (post-shipment-event sample)', () => {
  const shipment = (parseExact(sampleText('post-shipment-event')) as Json).shipment as Json;
  const snapshot = mapper.map(shipment);

  it('maps the header from supplierShipment, buyerShipment, identifiers, locations, status and meta', () => {
    const { shipment: stored, ...row } = snapshot.header;
    expect(row).toEqual({
      shipmentId: 'dcf95157-6451-4be2-a92e-a13a151f9572-SHP2025-0345',
      shipmentNumber: 'SHP2025-0345',
      supplierCompanyId: 'dcf95157-6451-4be2-a92e-a13a151f9572',
      buyerCompanyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8',
      processStatus: 'Issued',
      processStatusReason: null,
      transportMode: 'Road transport',
      etd: '2025-06-30',
      atd: null,
      etaStart: '2025-07-01',
      etaEnd: '2025-07-01',
      ata: null,
      departureLocationId: '4012345000016',
      destinationLocationId: '8712345000019',
      billOfLadingNumber: 'RTM-BL-558120',
      trackingNumber: '00340434161094042557',
      carrierShipmentNumber: 'DSV-9921034',
      invoiceNumbers: ['INV-2025-18832'],
      lastUpdatedAt: '2025-06-30T06:12:44.507Z',
    });
    // The whole shipment as received, lines and unknown fields included.
    expect(stored).toBe(shipment);
  });

  it('maps loose lines first, then load-carrier lines with the carrier’s SSCC and package type', () => {
    expect(snapshot.lines.map(withoutLine)).toEqual([
      {
        despatchAdviceNumber: 'DA-2025-06-0917',
        despatchAdviceLinePosition: '2',
        purchaseOrderNumber: 'PO2025-004711',
        purchaseOrderLinePosition: '0020',
        deliverySchedulePosition: '1',
        itemNumber: 'FIT-0090-M16',
        despatchQuantity: '450',
        backorderQuantity: '50',
        containerNumber: null,
        containerSizeAndType: null,
        packageSscc: null,
        packageType: null,
        lastUpdatedAt: '2025-06-30T06:12:44.507Z',
        path: ['lines', '0'],
      },
      {
        despatchAdviceNumber: 'DA-2025-06-0917',
        despatchAdviceLinePosition: '1',
        purchaseOrderNumber: 'PO2025-004711',
        purchaseOrderLinePosition: '0010',
        deliverySchedulePosition: '1',
        itemNumber: 'HYD-4410-22',
        despatchQuantity: '120',
        backorderQuantity: '0',
        containerNumber: null,
        containerSizeAndType: null,
        packageSscc: '387123450000012345',
        packageType: 'PX',
        lastUpdatedAt: '2025-06-30T06:12:44.507Z',
        path: ['loadCarriers', '0', 'lines', '0'],
      },
    ]);
    expect(snapshot.lines[0].line).toBe((shipment.lines as Json[])[0]);
    expect(snapshot.lines[1].line).toBe(((shipment.loadCarriers as Json[])[0].lines as Json[])[0]);
  });

  it('gives a line that is not an object no path (it maps to an empty line, not what the body holds)', () => {
    const [row] = mapper.map({ ...shipment, lines: [null], loadCarriers: [] }).lines;
    expect(row.line).toEqual({});
    expect(row.path).toBeNull();
  });

  it('maps the supplier document with its own lastUpdatedAt', () => {
    expect(snapshot.documents).toEqual([
      {
        documentKey: 'object:e6782f1e-b51c-43dc-ba21-49686e5726f3',
        objectId: 'e6782f1e-b51c-43dc-ba21-49686e5726f3',
        url: null,
        code: 'PL-SHP2025-0345',
        revision: '1',
        name: 'packing-list-SHP2025-0345.pdf',
        type: 'Packing List',
        description: 'Packing list',
        side: 'supplier',
        lineId: null,
        linePosition: null,
        lastUpdatedAt: '2025-06-30T06:12:44.507Z',
        document: ((shipment.supplierShipment as Json).documents as unknown[])[0],
      },
    ]);
  });

  it('maps a container load carrier’s number and size/type', () => {
    const carrier = { containerNumber: 'MSKU1234565', containerSizeAndType: '45G1', lines: (shipment.loadCarriers as Json[])[0].lines };
    const [, row] = mapper.map({ ...shipment, loadCarriers: [carrier] }).lines;
    expect(row).toMatchObject({ containerNumber: 'MSKU1234565', containerSizeAndType: '45G1', packageSscc: null, packageType: null });
  });

  it('gives a line or document without its own meta.lastUpdatedAt the shipment’s', () => {
    const line = { ...(shipment.lines as Json[])[0], meta: undefined };
    const document = { objectId: '0b6f8c0e-3d38-4c52-9d51-1f2f0a1e8a11', name: 'cmr.pdf' };
    const flat = { objectId: '8a1d5a2e-7c55-4a57-8f0e-2b4c1f9d3e22', lastUpdatedAt: '2025-06-29T08:00:00.000Z' };
    const mapped = mapper.map({
      ...shipment,
      meta: { lastUpdatedAt: '2025-07-02T00:00:00.000Z' },
      lines: [line],
      buyerShipment: { ...(shipment.buyerShipment as Json), documents: [document, flat] },
    });
    expect(mapped.lines[0].lastUpdatedAt).toBe('2025-07-02T00:00:00.000Z');
    // The carrier line keeps its own.
    expect(mapped.lines[1].lastUpdatedAt).toBe('2025-06-30T06:12:44.507Z');
    expect(mapped.documents.map((doc) => [doc.side, doc.documentKey, doc.lastUpdatedAt])).toEqual([
      ['supplier', 'object:e6782f1e-b51c-43dc-ba21-49686e5726f3', '2025-06-30T06:12:44.507Z'],
      ['buyer', 'object:0b6f8c0e-3d38-4c52-9d51-1f2f0a1e8a11', '2025-07-02T00:00:00.000Z'],
      // The flat `lastUpdatedAt` of the 2026-06 doc formatting (REFERENCE §c.4).
      ['buyer', 'object:8a1d5a2e-7c55-4a57-8f0e-2b4c1f9d3e22', '2025-06-29T08:00:00.000Z'],
    ]);
  });
});

describe('ShipmentSnapshotMapper (get-shipment-response sample)', () => {
  const shipment = parseExact(sampleText('get-shipment-response')) as Json;
  const snapshot = mapper.map(shipment);

  it('maps the actual departure and arrival dates and the new status', () => {
    expect(snapshot.header).toMatchObject({
      processStatus: 'Approved',
      etd: '2025-06-30',
      atd: '2025-06-30',
      etaStart: '2025-07-01',
      etaEnd: '2025-07-01',
      ata: '2025-07-01',
      lastUpdatedAt: '2025-07-01T10:27:05.881Z',
    });
  });

  it('maps documents of both sides: supplier first, then buyer', () => {
    expect(snapshot.documents.map((doc) => [doc.side, doc.code, doc.objectId, doc.revision, doc.lastUpdatedAt])).toEqual([
      ['supplier', 'PL-SHP2025-0345', 'e6782f1e-b51c-43dc-ba21-49686e5726f3', '1', '2025-06-30T06:12:44.507Z'],
      ['buyer', 'GRN-2025-22017', '191f3129-7386-4eb6-a6a1-2788411862c0', null, '2025-07-01T10:27:05.881Z'],
    ]);
  });

  it('keeps header fields that are absent, empty or not dates null', () => {
    const sparse = mapper.map({
      id: 'SHP-X',
      supplierShipment: { companyId: 'dcf95157-6451-4be2-a92e-a13a151f9572', shipmentNumber: 'SHP-X' },
      buyerShipment: {},
      locations: { departure: { etdDate: '30-06-2025' }, destinations: [] },
      status: { processStatus: 'Issued', processStatusReason: 'Wrong quantities' },
      meta: { lastUpdatedAt: '2025-07-01T10:27:05.881Z' },
    });
    const { shipment: _stored, ...row } = sparse.header;
    expect(row).toEqual({
      shipmentId: 'SHP-X',
      shipmentNumber: 'SHP-X',
      supplierCompanyId: 'dcf95157-6451-4be2-a92e-a13a151f9572',
      buyerCompanyId: null,
      processStatus: 'Issued',
      processStatusReason: 'Wrong quantities',
      transportMode: null,
      etd: null,
      atd: null,
      etaStart: null,
      etaEnd: null,
      ata: null,
      departureLocationId: null,
      destinationLocationId: null,
      billOfLadingNumber: null,
      trackingNumber: null,
      carrierShipmentNumber: null,
      invoiceNumbers: null,
      lastUpdatedAt: '2025-07-01T10:27:05.881Z',
    });
    expect(sparse.lines).toEqual([]);
    expect(sparse.documents).toEqual([]);
  });

  it('keeps only the text invoice numbers', () => {
    const mapped = mapper.map({ ...shipment, supplierShipment: { ...(shipment.supplierShipment as Json), invoiceNumbers: ['INV-1', 7, null, 'INV-2'] } });
    expect(mapped.header.invoiceNumbers).toEqual(['INV-1', 'INV-2']);
  });
});
