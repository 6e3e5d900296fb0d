import { ConfigurationException, CqrsBrokerErrorCode, MissingPeerDependencyException } from 'nestjs-cqrs-broker';
import { loadOptionalPeer, optionalPeerIfInstalled, optionalPeerToken, requireOptionalPeer } from '../../libs/cqrs-broker/src/optional-peer.js';

// A package name no registry has: as a peer the app did not install.
const ABSENT = 'nestjs-cqrs-broker-absent-peer';

describe('optional peer packages, loaded only by the feature that needs them', () => {
  it('a missing package, loaded synchronously, is one line naming it and what needs it, with the resolution error as cause', () => {
    let error: unknown;
    try {
      requireOptionalPeer(ABSENT, 'KafkaMessageBroker');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPeerDependencyException);
    expect(error).toBeInstanceOf(ConfigurationException);
    const missing = error as MissingPeerDependencyException;
    expect(missing.message).toBe(`KafkaMessageBroker needs the package ${ABSENT}: npm install ${ABSENT}`);
    expect(missing.message).not.toContain('\n');
    expect(missing).toMatchObject({ code: CqrsBrokerErrorCode.MissingPeerDependency, packageName: ABSENT, neededBy: 'KafkaMessageBroker' });
    expect((missing.cause as Error).message).toContain(`Cannot find module '${ABSENT}'`);
  });

  it('a missing package, loaded asynchronously, rejects the same way; a later call tries again', async () => {
    await expect(loadOptionalPeer(ABSENT, 'tracing: true')).rejects.toThrow(`tracing: true needs the package ${ABSENT}: npm install ${ABSENT}`);
    await expect(loadOptionalPeer(ABSENT, 'tracing: true')).rejects.toBeInstanceOf(MissingPeerDependencyException);
  });

  it('an installed package loads, the same module each time and by either way', async () => {
    const required = requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'test');
    expect(typeof required.Kafka).toBe('function');
    expect(requireOptionalPeer('kafkajs', 'test')).toBe(required);
    const imported = await loadOptionalPeer<typeof import('cockatiel')>('cockatiel', 'test');
    expect(typeof imported.circuitBreaker).toBe('function');
  });

  it('a feature that works without its package gets undefined, not an error', () => {
    expect(optionalPeerIfInstalled(ABSENT)).toBeUndefined();
    expect(optionalPeerIfInstalled<typeof import('kafkajs')>('kafkajs')?.Kafka).toBeTypeOf('function');
  });

  it('a class of an optional peer as a DI token is read when Nest resolves it: the class, absent (optional), or the one line', async () => {
    const { DataSource } = await import('typeorm');
    expect(optionalPeerToken('typeorm', 'DataSource', 'OutboxModule')).toMatchObject({ token: DataSource, optional: true });
    expect(typeof optionalPeerToken(ABSENT, 'SchedulerRegistry').token).toBe('symbol');
    const required = optionalPeerToken(ABSENT, 'DataSource', 'OutboxModule');
    expect(() => required.token).toThrow(`OutboxModule needs the package ${ABSENT}: npm install ${ABSENT}`);
  });
});
