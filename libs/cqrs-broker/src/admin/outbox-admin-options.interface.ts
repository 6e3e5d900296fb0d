import type { CanActivate, Type } from '@nestjs/common';

/** Options of `OutboxAdminModule.register`. @publicApi */
export interface OutboxAdminModuleOptions {
  /**
   * Guards on every admin route (classes, resolved in the importing module's
   * scope, or instances). Required: without guards (and without
   * `unsafeNoGuard`), `register` throws a `ConfigurationException` at startup.
   */
  guards?: ReadonlyArray<Type<CanActivate> | CanActivate>;
  /**
   * Mount the routes with no guard, on purpose (a port only operators reach).
   * @default false
   */
  unsafeNoGuard?: boolean;
  /**
   * Route prefix of the controller (the app's global prefix and `RouterModule` paths still apply).
   * @default 'outbox'
   */
  path?: string;
  /**
   * Largest page of `GET dead` (`limit` above it is clamped).
   * @default 500
   */
  maxPageSize?: number;
}

/** Defaults of {@link OutboxAdminModuleOptions}. */
export const OUTBOX_ADMIN_DEFAULTS = { unsafeNoGuard: false, path: 'outbox', maxPageSize: 500 } as const;
