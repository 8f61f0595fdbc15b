import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TradecloudModuleExtras, TradecloudModuleOptions } from './tradecloud-module-options';

export const {
  ConfigurableModuleClass: TradecloudConfigurableModule,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE: TRADECLOUD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TRADECLOUD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TradecloudModuleOptions>({ moduleName: 'Tradecloud' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTradecloudOptions')
  .setExtras<TradecloudModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Injection token of the options exactly as the host gave them. */
export const TRADECLOUD_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;
