import { loadOptionalPeer } from '../../optional-peer.js';

/** The optional peer package the protobuf codec runs on. */
export type ProtobufJs = typeof import('protobufjs');

/**
 * Loads protobufjs once, when the first protobuf event class is prepared, or
 * rejects with a `MissingPeerDependencyException` naming the package to
 * install and `declaredBy`, the event class that needs it.
 */
export async function loadProtobufJs(declaredBy: string): Promise<ProtobufJs> {
  const module = await loadOptionalPeer<ProtobufJs & { default?: ProtobufJs }>('protobufjs', `The protobuf codec of ${declaredBy}`);
  return module.default ?? module;
}
