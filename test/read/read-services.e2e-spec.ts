import { beforeAll, describe, expect, it } from 'vitest';
import { TradecloudOrders, TradecloudShipments } from '../../src';
import { useReceiver } from '../support/receiver-fixture';
import { sample, sampleText } from '../support/samples';

describe('read services for hosts', () => {
  const receiver = useReceiver({ label: 'read_services' });
  let orders: TradecloudOrders;
  let shipments: TradecloudShipments;

  beforeAll(async () => {
    orders = receiver.app!.get(TradecloudOrders);
    shipments = receiver.app!.get(TradecloudShipments);
    const ids: string[] = [];
    for (const [path, body] of [
      ['/orders', sampleText('post-order-event')],
      ['/shipments', sampleText('post-shipment-event')],
    ] as const) {
      ids.push(((await (await receiver.post(path, body)).json()) as { eventId: string }).eventId);
    }
    await receiver.waitForEvents(ids);
  });

  it('finds an order by id and by purchase order number, with lines and current schedules', async () => {
    const order = await orders.findById('d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718');
    expect(order).toMatchObject({ purchaseOrderNumber: 'PO2025-004711', version: 4, processStatus: 'InProgress' });
    expect(order!.lines.map((line) => [line.position, line.netPrice, line.currentSchedule.length])).toEqual([
      ['0010', '18.45', 2],
      ['0020', '82.8', 1],
    ]);
    expect(order!.lines[0].currentSchedule[1]).toEqual({ seq: 1, position: '2', date: '2025-07-15', quantity: '80', status: 'Open', etd: null, eta: null });
    expect(await orders.findByPurchaseOrderNumber('PO2025-004711')).toHaveLength(1);
    expect(await orders.findByPurchaseOrderNumber('PO2025-004711', '00000000-0000-4000-8000-000000000000')).toEqual([]);
    expect(await orders.findById('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('pages through changes with a cursor', async () => {
    const first = await orders.changesSince({ limit: 2 });
    expect(first.changes).toHaveLength(2);
    expect(first.nextCursor).toBe(first.changes[1].id);
    const rest = await orders.changesSince({ after: first.nextCursor!, limit: 100 });
    expect(rest.nextCursor).toBeNull();
    const all = [...first.changes, ...rest.changes];
    expect(new Set(all.map((change) => change.id)).size).toBe(all.length);
    expect(all.map((change) => change.entity)).toEqual(expect.arrayContaining(['order', 'order_line', 'shipment', 'shipment_line', 'document']));

    const body = sample('post-order-event');
    body.orderEvent.meta.messageId = 'after-cursor';
    body.orderEvent.lastUpdatedAt = body.orderEvent.lines[0].lastUpdatedAt = '2025-07-01T00:00:00.000Z';
    body.orderEvent.lines = [body.orderEvent.lines[0]];
    body.orderEvent.lines[0].status.logisticsStatus = 'Shipped';
    const { eventId } = (await (await receiver.post('/orders', body)).json()) as { eventId: string };
    await receiver.waitForEvents([eventId]);
    const next = await orders.changesSince({ after: all[all.length - 1].id });
    expect(next.changes.map((change) => [change.entity, change.changeType, change.diff])).toEqual([
      ['order', 'updated', {}],
      ['order_line', 'updated', { 'status.logisticsStatus': { old: 'Open', new: 'Shipped' } }],
    ]);
  });

  it('finds a shipment with its lines', async () => {
    const shipment = await shipments.findById('dcf95157-6451-4be2-a92e-a13a151f9572-SHP2025-0345');
    expect(shipment).toMatchObject({ shipmentNumber: 'SHP2025-0345', processStatus: 'Issued' });
    expect(shipment!.lines.map((line) => [line.despatchAdviceLinePosition, line.despatchQuantity, line.packageSscc, line.lineId])).toEqual([
      ['1', '120', '387123450000012345', '9027e194-175b-44fc-bd99-bf938de4d763'],
      ['2', '450', null, '9a88a2bc-c6f0-4638-9967-f922d1519ac4'],
    ]);
    expect(await shipments.findById('nope')).toBeNull();
  });
});
