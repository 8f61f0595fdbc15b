import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TradecloudOptionsModule } from './options/tradecloud-options.module';
import { createTradecloudFeatureModules } from './tradecloud-feature-modules';
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
    (definition, extras) => {
      // The options (and the host's imports of forRootAsync) live in one options module that every
      // feature module imports; TradecloudModule itself only hosts the controllers and re-exports.
      const options = TradecloudOptionsModule.register(MODULE_OPTIONS_TOKEN, definition);
      const features = createTradecloudFeatureModules(options);
      return {
        ...definition,
        imports: features.imports,
        providers: [],
        exports: [...(definition.exports ?? []), ...features.exports],
        global: extras.isGlobal,
        controllers: extras.controllers === false ? [] : createWebhookControllers(normalizePrefix(extras.routePrefix)),
      };
    },
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
