import { ConfigurationException } from '../../errors/configuration.exception.js';
import { PROTOBUF_PACKAGE_MISSING } from '../../errors/messages.js';

/** The optional peer package the protobuf codec runs on. */
export type ProtobufJs = typeof import('protobufjs');

let loading: Promise<ProtobufJs> | undefined;

/**
 * Loads protobufjs once, when the first protobuf event class is prepared, or
 * rejects with a `ConfigurationException` naming the package to install and
 * `declaredBy`, the event class that needs it.
 */
export function loadProtobufJs(declaredBy: string): Promise<ProtobufJs> {
  loading ??= import('protobufjs')
    .then((module) => ((module as { default?: ProtobufJs }).default ?? module) as ProtobufJs)
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading.catch((error: unknown) => {
    throw new ConfigurationException(PROTOBUF_PACKAGE_MISSING(declaredBy), { cause: error });
  });
}
