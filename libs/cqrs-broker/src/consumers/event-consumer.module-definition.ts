import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventConsumerModuleOptions } from './event-consumer-options.interface.js';

export const {
  ConfigurableModuleClass: EventConsumerConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENT_CONSUMER_OPTIONS,
} = new ConfigurableModuleBuilder<EventConsumerModuleOptions>({ moduleName: 'EventConsumer' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createEventConsumerOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
