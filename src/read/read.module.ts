import { DynamicModule, Module } from '@nestjs/common';
import { TradecloudOrders } from './tradecloud-orders.service';
import { TradecloudShipments } from './tradecloud-shipments.service';

/** Read services for hosts: orders and shipments as stored. */
@Module({})
export class TradecloudReadModule {
  static register(database: DynamicModule): DynamicModule {
    return { module: TradecloudReadModule, imports: [database], providers: [TradecloudOrders, TradecloudShipments], exports: [TradecloudOrders, TradecloudShipments] };
  }
}
