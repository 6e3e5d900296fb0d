import { InvalidBrokerUrlException, parseBrokerUrl, redactUrl } from 'nestjs-cqrs-broker';
import { kafkaConfigFromUrl } from 'nestjs-cqrs-broker/kafka';

describe('parseBrokerUrl', () => {
  it('reads memory://, kafka:// with several hosts, and amqp:// URLs', () => {
    expect(parseBrokerUrl('memory://')).toEqual({ kind: 'memory' });
    expect(parseBrokerUrl('kafka://a:9092,b:9093')).toEqual({ kind: 'kafka', brokers: ['a:9092', 'b:9093'], ssl: false });
    expect(parseBrokerUrl('amqp://user:pass@rabbit:5672/vhost')).toEqual({ kind: 'amqp', url: 'amqp://user:pass@rabbit:5672/vhost' });
  });

  it('turns kafka user and password into SASL, and kafkas:// or ssl=true into SSL', () => {
    expect(parseBrokerUrl('kafkas://svc:s%40cret@a:9093?sasl=scram-sha-512&clientId=notifications')).toEqual({
      kind: 'kafka',
      brokers: ['a:9093'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's@cret' },
      clientId: 'notifications',
    });
    expect(kafkaConfigFromUrl('kafka://u:p@a:9092?ssl=true')).toMatchObject({ brokers: ['a:9092'], ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
  });

  it('rejects unknown schemes and bad hosts without showing the password', () => {
    expect(() => parseBrokerUrl('redis://u:secret@h:6379')).toThrow(InvalidBrokerUrlException);
    expect(() => parseBrokerUrl('redis://u:secret@h:6379')).not.toThrow(/secret/);
    expect(() => parseBrokerUrl('kafka://u:secret@nohostport')).toThrow(/"nohostport" is not host:port/);
    expect(() => parseBrokerUrl('kafka://u:secret@nohostport')).not.toThrow(/secret/);
    expect(() => parseBrokerUrl('kafka://a:9092?sasl=gssapi')).toThrow(/unknown SASL mechanism/);
  });
});

describe('redactUrl', () => {
  it('masks the password of single- and multi-host URLs, keeping the rest readable', () => {
    expect(redactUrl('amqp://guest:guest@127.0.0.1:5672/vhost')).toBe('amqp://guest:***@127.0.0.1:5672/vhost');
    expect(redactUrl('kafka://svc:p%40ss@a:9092,b:9092?sasl=plain')).toBe('kafka://svc:***@a:9092,b:9092?sasl=plain');
    expect(redactUrl('postgres://app:p@ss@db:5432/app')).toBe('postgres://app:***@db:5432/app');
    expect(redactUrl('memory://')).toBe('memory://');
    expect(redactUrl('kafka://a:9092')).toBe('kafka://a:9092');
  });

  it('masks secret query parameters', () => {
    expect(redactUrl('mysql://db/app?user=root&password=hunter2&ssl=true')).toBe('mysql://db/app?user=root&password=***&ssl=true');
  });
});
