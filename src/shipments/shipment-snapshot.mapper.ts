import { Injectable } from '@nestjs/common';
import { decimalText, textValue } from '../changes/lossless-json';
import { mapDocumentReferences, OwnedDocument } from '../documents/document-reference.mapper';
import { arr, localDate, obj } from '../orders/order-snapshot.mapper';

type Json = Record<string, unknown>;

export interface ShipmentHeaderRow {
  shipmentId: string;
  shipmentNumber: string;
  supplierCompanyId: string | null;
  buyerCompanyId: string | null;
  processStatus: string | null;
  processStatusReason: string | null;
  transportMode: string | null;
  /** `locations.departure.etdDate` / `atdDate`. */
  etd: string | null;
  atd: string | null;
  /** Of the first destination (`locations.destinations[0]`): `etaStartDate`, `etaEndDate`, `ataDate`. */
  etaStart: string | null;
  etaEnd: string | null;
  ata: string | null;
  departureLocationId: string | null;
  destinationLocationId: string | null;
  billOfLadingNumber: string | null;
  trackingNumber: string | null;
  carrierShipmentNumber: string | null;
  invoiceNumbers: string[] | null;
  lastUpdatedAt: string;
  /** The shipment as received, all lines and unknown fields included. */
  shipment: Json;
}

export interface ShipmentLineRow {
  despatchAdviceNumber: string;
  despatchAdviceLinePosition: string;
  purchaseOrderNumber: string;
  purchaseOrderLinePosition: string;
  deliverySchedulePosition: string | null;
  itemNumber: string | null;
  despatchQuantity: string | null;
  backorderQuantity: string | null;
  containerNumber: string | null;
  containerSizeAndType: string | null;
  packageSscc: string | null;
  packageType: string | null;
  lastUpdatedAt: string;
  line: Json;
  /**
   * Where `line` lies in the shipment, as a jsonb path: `{lines,i}` or `{loadCarriers,j,lines,k}`
   * (null when the element there is not an object, which validation refuses anyway).
   */
  path: string[] | null;
}

export interface ShipmentSnapshot {
  header: ShipmentHeaderRow;
  lines: ShipmentLineRow[];
  documents: OwnedDocument[];
  /**
   * The shipment is `webhook_events.body -> payloadKey` of this stored event (a POST shipment
   * webhook): its JSON and its lines' JSON are then written from that jsonb inside PostgreSQL
   * instead of travelling back to it (R8, as order lines). Unset for fetched shipments.
   */
  source?: { eventId: string; payloadKey: string };
}

/**
 * Turns a shipment (webhook `shipment`, or `GET /shipment/{id}`) into rows. Lines come from
 * `lines[]` and from every load carrier's `lines[]`, which adds the carrier's container number
 * or SSCC. A line or document without its own `meta.lastUpdatedAt` takes the shipment's.
 */
@Injectable()
export class ShipmentSnapshotMapper {
  map(shipment: Json): ShipmentSnapshot {
    const supplier = obj(shipment.supplierShipment);
    const buyer = obj(shipment.buyerShipment);
    const status = obj(shipment.status);
    const locations = obj(shipment.locations);
    const departure = obj(locations.departure);
    const destination = obj(arr(locations.destinations)[0]);
    const identifiers = obj(shipment.identifiers);
    const lastUpdatedAt = String(obj(shipment.meta).lastUpdatedAt);
    const lines: ShipmentLineRow[] = [
      ...arr(shipment.lines).map((line, index) => this.line(line, null, lastUpdatedAt, ['lines', String(index)])),
      ...arr(shipment.loadCarriers).flatMap((carrier, carrierIndex) =>
        arr(obj(carrier).lines).map((line, index) =>
          this.line(line, obj(carrier), lastUpdatedAt, ['loadCarriers', String(carrierIndex), 'lines', String(index)]),
        ),
      ),
    ];
    const documents = [
      ...mapDocumentReferences(supplier.documents, 'supplier', null, null),
      ...mapDocumentReferences(buyer.documents, 'buyer', null, null),
    ].map((document) => ({ ...document, lastUpdatedAt: document.lastUpdatedAt ?? lastUpdatedAt }));
    return {
      header: {
        shipmentId: String(shipment.id),
        shipmentNumber: String(supplier.shipmentNumber),
        supplierCompanyId: textValue(supplier.companyId),
        buyerCompanyId: textValue(buyer.companyId),
        processStatus: textValue(status.processStatus),
        processStatusReason: textValue(status.processStatusReason),
        transportMode: textValue(shipment.transportMode),
        etd: localDate(departure.etdDate),
        atd: localDate(departure.atdDate),
        etaStart: localDate(destination.etaStartDate),
        etaEnd: localDate(destination.etaEndDate),
        ata: localDate(destination.ataDate),
        departureLocationId: textValue(obj(departure.location).id),
        destinationLocationId: textValue(obj(destination.location).id),
        billOfLadingNumber: textValue(identifiers.billOfLadingNumber),
        trackingNumber: textValue(identifiers.trackingNumber),
        carrierShipmentNumber: textValue(identifiers.carrierShipmentNumber),
        invoiceNumbers: Array.isArray(supplier.invoiceNumbers)
          ? supplier.invoiceNumbers.filter((number): number is string => typeof number === 'string')
          : null,
        lastUpdatedAt,
        shipment,
      },
      lines,
      documents,
    };
  }

  private line(element: unknown, carrier: Json | null, shipmentLastUpdatedAt: string, path: string[]): ShipmentLineRow {
    const line = obj(element);
    const supplierLine = obj(line.supplierLine);
    return {
      despatchAdviceNumber: String(supplierLine.despatchAdviceNumber),
      despatchAdviceLinePosition: String(supplierLine.despatchAdviceLinePosition),
      purchaseOrderNumber: String(line.purchaseOrderNumber),
      purchaseOrderLinePosition: String(line.purchaseOrderLinePosition),
      deliverySchedulePosition: textValue(line.deliverySchedulePosition),
      itemNumber: textValue(obj(line.item).buyerItemNumber),
      despatchQuantity: decimalText(supplierLine.despatchQuantity),
      backorderQuantity: decimalText(supplierLine.backorderQuantity),
      containerNumber: carrier ? textValue(carrier.containerNumber) : null,
      containerSizeAndType: carrier ? textValue(carrier.containerSizeAndType) : null,
      packageSscc: carrier ? textValue(carrier.packageSSCC) : null,
      packageType: carrier ? textValue(carrier.packageType) : null,
      lastUpdatedAt: textValue(obj(line.meta).lastUpdatedAt) ?? shipmentLastUpdatedAt,
      line,
      path: line === element ? path : null,
    };
  }
}
