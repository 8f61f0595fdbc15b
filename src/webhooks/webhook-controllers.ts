import { Controller, Get, HttpCode, Post, Req, Res, Type, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { WebhookAuthGuard } from '../auth/webhook-auth.guard';
import { ForWebhookKind } from '../auth/webhook-kind';
import { WebhookExceptionFilter } from '../inbox/webhook-exception.filter';
import { WebhookObserverGuard } from '../observability/webhook-observer.guard';
import { WebhookSourceGuard } from '../security/webhook-source.guard';
import { OrderWebhookHandler } from '../orders/order-webhook.handler';
import { ShipmentWebhookHandler } from '../shipments/shipment-webhook.handler';
import { GetWebhookHandler } from './get-webhook.handler';
import { ApiGetWebhook, ApiOrderWebhook, ApiShipmentWebhook } from './webhook-openapi';

export const DEFAULT_ROUTE_PREFIX = '/tradecloud/webhooks';

/**
 * The built-in webhook routes under `prefix`. They are created per module declaration because
 * Nest reads controller paths from decorators, and the prefix is a module option.
 *
 * Order of work per request: authentication (guard, headers only) → body read and validation →
 * stored in the inbox → 2xx. The filter makes sure no 500 ever reaches Tradecloud.
 */
export function createWebhookControllers(prefix: string = DEFAULT_ROUTE_PREFIX): Type[] {
  @Controller(prefix)
  @UseGuards(WebhookObserverGuard, WebhookSourceGuard, WebhookAuthGuard)
  @UseFilters(WebhookExceptionFilter)
  class OrderWebhookController {
    constructor(private readonly handler: OrderWebhookHandler) {}

    @Post('orders')
    @ApiOrderWebhook(false)
    @HttpCode(202)
    @ForWebhookKind('orders')
    async orders(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handle(request, response, 'orders');
    }

    @Post('order-documents')
    @ApiOrderWebhook(true)
    @HttpCode(202)
    @ForWebhookKind('order-documents')
    async orderDocuments(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handle(request, response, 'order-documents');
    }
  }

  @Controller(prefix)
  @UseGuards(WebhookObserverGuard, WebhookSourceGuard, WebhookAuthGuard)
  @UseFilters(WebhookExceptionFilter)
  class ShipmentWebhookController {
    constructor(private readonly handler: ShipmentWebhookHandler) {}

    @Post('shipments')
    @ApiShipmentWebhook()
    @HttpCode(202)
    @ForWebhookKind('shipments')
    async shipments(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handle(request, response);
    }
  }

  /** Legacy GET webhooks: the id in the path (`{orderId}` template) or in the query (`?orderId={orderId}`). */
  @Controller(prefix)
  @UseGuards(WebhookObserverGuard, WebhookSourceGuard, WebhookAuthGuard)
  @UseFilters(WebhookExceptionFilter)
  class GetWebhookController {
    constructor(private readonly handler: GetWebhookHandler) {}

    @Get('orders/:orderId')
    @ApiGetWebhook('orderId', true)
    @HttpCode(202)
    @ForWebhookKind('orders')
    async order(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handleOrder(request, response);
    }

    @Get('orders')
    @ApiGetWebhook('orderId', false)
    @HttpCode(202)
    @ForWebhookKind('orders')
    async orderByQuery(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handleOrder(request, response);
    }

    @Get('shipments/:shipmentId')
    @ApiGetWebhook('shipmentId', true)
    @HttpCode(202)
    @ForWebhookKind('shipments')
    async shipment(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handleShipment(request, response);
    }

    @Get('shipments')
    @ApiGetWebhook('shipmentId', false)
    @HttpCode(202)
    @ForWebhookKind('shipments')
    async shipmentByQuery(@Req() request: Request, @Res() response: Response): Promise<void> {
      await this.handler.handleShipment(request, response);
    }
  }

  return [OrderWebhookController, ShipmentWebhookController, GetWebhookController];
}
