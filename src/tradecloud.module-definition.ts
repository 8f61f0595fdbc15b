import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TradecloudModuleExtras, TradecloudModuleOptions } from './tradecloud-module-options';
import { createWebhookControllers, DEFAULT_ROUTE_PREFIX } from './webhooks/webhook-controllers';

export const {
  ConfigurableModuleClass: TradecloudConfigurableModule,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE: TRADECLOUD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TRADECLOUD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TradecloudModuleOptions>({ moduleName: 'Tradecloud' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTradecloudOptions')
  .setExtras<TradecloudModuleExtras>(
    { isGlobal: false, routePrefix: DEFAULT_ROUTE_PREFIX, controllers: true },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      controllers: extras.controllers === false ? [] : createWebhookControllers(normalizePrefix(extras.routePrefix)),
    }),
  )
  .build();

/** Injection token of the options exactly as the host gave them. */
export const TRADECLOUD_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

function normalizePrefix(prefix: string | undefined): string {
  const value = (prefix ?? DEFAULT_ROUTE_PREFIX).trim();
  if (!/^\/?([A-Za-z0-9._~-]+\/?)*$/.test(value)) {
    throw new Error(`TradecloudModule option "routePrefix" must be a URL path such as ${DEFAULT_ROUTE_PREFIX}, got "${value}"`);
  }
  return '/' + value.replace(/^\/+|\/+$/g, '');
}
