import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OnTradecloudEvent, OrderLinesChangedEvent, TradecloudOrders } from 'nestjs-tradecloud-receiver';
import { ErpLineUpdate } from './erp-line-update.entity';

/** Reacts to confirmed or changed order lines: here it records them; a real host would call its ERP. */
@Injectable()
export class ErpLineSync {
  constructor(
    @InjectRepository(ErpLineUpdate) private readonly updates: Repository<ErpLineUpdate>,
    private readonly orders: TradecloudOrders,
  ) {}

  // The id addresses queued deliveries: keep it when renaming the class or method.
  @OnTradecloudEvent('order.lines.changed', { id: 'erp-line-sync.lines-changed' })
  async linesChanged(event: OrderLinesChangedEvent): Promise<void> {
    const order = await this.orders.findById(event.orderId); // committed data, with current schedules
    if (!order) return;
    // Delivery is at least once: the upsert makes a repeat harmless.
    await this.updates.upsert(
      event.lines.map((line) => ({ id: `${event.id}:${line.lineId}`, orderId: event.orderId, lineId: line.lineId, diff: line.diff })),
      ['id'],
    );
  }
}
