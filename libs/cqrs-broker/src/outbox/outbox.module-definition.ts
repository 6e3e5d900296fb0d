import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OutboxModuleOptions } from './outbox-options.interface.js';

export const {
  ConfigurableModuleClass: OutboxConfigurableModule,
  MODULE_OPTIONS_TOKEN: OUTBOX_OPTIONS,
  OPTIONS_TYPE: OUTBOX_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OUTBOX_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OutboxModuleOptions>({ moduleName: 'Outbox' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createOutboxOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Injection token of the options as `resolveOutboxOptions` completed them, once per module (internal). */
export const RESOLVED_OUTBOX_OPTIONS = Symbol('cqrs-broker:resolved-outbox-options');

/** Injection token of the table's SQL dialect (internal). */
export const OUTBOX_DIALECT = Symbol('cqrs-broker:outbox-dialect');
