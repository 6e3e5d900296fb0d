import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsBrokerModuleOptions } from './cqrs-broker-options.interface.js';

export const {
  ConfigurableModuleClass: CqrsBrokerConfigurableModule,
  MODULE_OPTIONS_TOKEN: CQRS_BROKER_OPTIONS,
  OPTIONS_TYPE: CQRS_BROKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_BROKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsBrokerModuleOptions>({ moduleName: 'CqrsBroker' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCqrsBrokerOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
