import { seededRandom } from '../orders/order-stream';
import { sample } from '../support/samples';

/**
 * A stream of shipment webhook bodies for several shipments, in the order Tradecloud produced
 * them: every version bumps the shipment's `meta.lastUpdatedAt` and lists all its lines as they
 * are then, so lines drop out (removed), come back, change quantity or move to another purchase
 * order line; a line's `meta.lastUpdatedAt` moves only when the line changed. Lines deliver
 * `PO-{n}` positions `0010`… (the purchase orders of `orderEventStream`), so some link to order lines.
 */
export function shipmentEventStream(options: { shipments: number; versions: number; lines: number; seed: number }): Array<Record<string, unknown>> {
  const random = seededRandom(options.seed);
  const template = sample('post-shipment-event');
  const bodies: Array<Record<string, unknown>> = [];
  for (let s = 0; s < options.shipments; s++) {
    const shipmentId = `bench-supplier-SHP-${options.seed}-${s}`;
    const base = Date.UTC(2025, 5, 2, 8, 0, 0) + s * 1000;
    // Each potential line's state: listed or not, its last change and its fields.
    const lines = Array.from({ length: options.lines }, (_, index) => ({
      listed: true,
      changedAt: '',
      quantity: 10 + index,
      position: String((index + 1) * 10).padStart(4, '0'),
    }));
    for (let v = 0; v < options.versions; v++) {
      const at = new Date(base + (v + 1) * 60_000).toISOString();
      for (const line of lines) {
        const roll = random();
        if (v === 0) line.changedAt = at;
        else if (roll < 0.2) Object.assign(line, { listed: !line.listed, changedAt: at });
        else if (roll < 0.4) Object.assign(line, { quantity: Number((random() * 500).toFixed(3)), changedAt: at });
        else if (roll < 0.5) Object.assign(line, { position: String(10 * (1 + Math.floor(random() * 6))).padStart(4, '0'), changedAt: at });
      }
      const body = structuredClone(template);
      const shipment = body.shipment;
      shipment.id = shipmentId;
      shipment.supplierShipment.shipmentNumber = `SHP-${s}`;
      shipment.meta.lastUpdatedAt = at;
      body.meta.messageId = `${shipmentId}-v${v}`;
      shipment.status = { ...shipment.status, processStatus: ['Issued', 'InTransit', 'Delivered'][v % 3] };
      shipment.loadCarriers = [];
      shipment.supplierShipment.documents[0].meta.lastUpdatedAt = v % 2 === 0 ? at : shipment.supplierShipment.documents[0].meta.lastUpdatedAt;
      shipment.lines = lines.flatMap((line, index) => {
        if (!line.listed) return [];
        const row = structuredClone(template.shipment.lines[0]);
        row.purchaseOrderNumber = `PO-${s % 3}`;
        row.purchaseOrderLinePosition = line.position;
        row.supplierLine.despatchAdviceNumber = `DA-${s}`;
        row.supplierLine.despatchAdviceLinePosition = String(index + 1);
        row.supplierLine.despatchQuantity = line.quantity;
        row.meta.lastUpdatedAt = line.changedAt;
        return [row];
      });
      bodies.push(body);
    }
  }
  return bodies;
}
