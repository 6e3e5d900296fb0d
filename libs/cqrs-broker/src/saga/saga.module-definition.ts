import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SagaModuleOptions } from './saga-options.interface.js';

export const {
  ConfigurableModuleClass: SagaConfigurableModule,
  MODULE_OPTIONS_TOKEN: SAGA_OPTIONS,
} = new ConfigurableModuleBuilder<SagaModuleOptions>({ moduleName: 'Saga' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSagaOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** The module's options, completed and checked once by `resolveSagaOptions`. */
export const RESOLVED_SAGA_OPTIONS = Symbol('RESOLVED_SAGA_OPTIONS');
