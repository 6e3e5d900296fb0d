import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { CircuitBreakers } from '../circuit-breaker/circuit-breakers.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { SAGA_NOT_DEFINED, SAGA_STEP_NOT_A_PROVIDER } from '../errors/messages.js';
import { compileSaga } from './compiled-saga.js';
import { SagaExecutor } from './saga-executor.js';
import type { SagaModuleOptions } from './saga-options.interface.js';
import type { SagaStep, SagaStepType } from './saga-step.interface.js';
import { getSagaDefinition } from './saga.js';
import { SAGA_OPTIONS } from './saga.module-definition.js';

/**
 * Finds the sagas at bootstrap (`@DefineSaga` classes among the providers,
 * plus the module's `sagas`), resolves each step to its provider once, and
 * registers them with the executor, so a step run is a map lookup and a call.
 */
@Injectable()
export class SagaRegistry implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    private readonly executor: SagaExecutor,
    @Inject(SAGA_OPTIONS) private readonly options: SagaModuleOptions,
    @Optional() private readonly breakers?: CircuitBreakers,
  ) {}

  async onModuleInit(): Promise<void> {
    const types = new Set<Function>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.metatype && !wrapper.inject && getSagaDefinition(wrapper.metatype)) types.add(wrapper.metatype);
    }
    for (const type of this.options.sagas ?? []) {
      if (!getSagaDefinition(type)) throw new ConfigurationException(SAGA_NOT_DEFINED(type.name));
      types.add(type);
    }
    for (const type of types) {
      const definition = getSagaDefinition(type)!;
      const resolveStep = (stepType: SagaStepType<object>): SagaStep<object> => {
        try {
          return this.moduleRef.get(stepType, { strict: false });
        } catch (error) {
          throw new ConfigurationException(SAGA_STEP_NOT_A_PROVIDER(definition.name, stepType.name), { cause: error });
        }
      };
      this.executor.register(await compileSaga(definition, resolveStep, this.executor.options, { type, breakers: this.breakers }));
    }
  }
}
