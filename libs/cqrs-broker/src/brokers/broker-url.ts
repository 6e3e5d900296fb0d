import { InvalidBrokerUrlException } from '../errors/invalid-broker-url.exception.js';
import { redactUrl } from './redact-url.js';

/** SASL mechanisms a `kafka://` URL may name. @publicApi */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/**
 * A broker chosen by URL (e.g. the `BROKER_URL` environment variable):
 * - `memory://` — the in-process broker;
 * - `kafka://[user:pass@]host:port[,host:port…][?ssl=true&sasl=scram-sha-512&clientId=x]`
 *   (`kafkas://` = `ssl=true`; user and password mean SASL, `plain` unless `sasl` says otherwise);
 * - `amqp://user:pass@host:port/vhost` or `amqps://…` — passed to the AMQP client as is.
 * @publicApi
 */
export type BrokerUrl =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'kafka';
      readonly brokers: readonly string[];
      readonly ssl: boolean;
      readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
      readonly clientId?: string;
    }
  | { readonly kind: 'amqp'; readonly url: string };

/** The exception for `url`, which it shows redacted: a broker URL often holds a password. */
export function invalidBrokerUrl(url: string, reason: string): InvalidBrokerUrlException {
  return new InvalidBrokerUrlException(redactUrl(url), reason);
}

const SASL_MECHANISMS: readonly string[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/**
 * Parses a broker URL (see {@link BrokerUrl}). Throws
 * {@link InvalidBrokerUrlException} for other schemes or a malformed URL.
 *
 * @example
 * parseBrokerUrl('kafka://a:9092,b:9092'); // { kind: 'kafka', brokers: ['a:9092', 'b:9092'], ssl: false }
 * @publicApi
 */
export function parseBrokerUrl(url: string): BrokerUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url.trim());
  if (!match) throw invalidBrokerUrl(url, 'expected memory://, kafka://host:port or amqp://user:pass@host:port/vhost');
  const scheme = match[1].toLowerCase();
  switch (scheme) {
    case 'memory':
      return { kind: 'memory' };
    case 'amqp':
    case 'amqps':
      try {
        new URL(url);
      } catch {
        throw invalidBrokerUrl(url, 'not a valid URL');
      }
      return { kind: 'amqp', url: url.trim() };
    case 'kafka':
    case 'kafkas':
      return parseKafka(url, match[2], scheme === 'kafkas');
    default:
      throw invalidBrokerUrl(url, `unknown scheme "${scheme}" (use memory, kafka, kafkas, amqp or amqps)`);
  }
}

function parseKafka(url: string, rest: string, sslByScheme: boolean): BrokerUrl {
  const queryStart = rest.indexOf('?');
  const authority = (queryStart === -1 ? rest : rest.slice(0, queryStart)).replace(/\/+$/, '');
  const query = new URLSearchParams(queryStart === -1 ? '' : rest.slice(queryStart + 1));
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = (at === -1 ? authority : authority.slice(at + 1)).split(',').map((host) => host.trim());
  for (const host of hosts) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(host) && !/^\[[0-9a-f:.]+\]:\d{1,5}$/i.test(host)) {
      throw invalidBrokerUrl(url, `"${host}" is not host:port`);
    }
  }
  const ssl = sslByScheme || query.get('ssl') === 'true';
  const mechanism = (query.get('sasl') ?? 'plain').toLowerCase();
  if (!SASL_MECHANISMS.includes(mechanism)) {
    throw invalidBrokerUrl(url, `unknown SASL mechanism "${mechanism}" (use ${SASL_MECHANISMS.join(', ')})`);
  }
  let sasl: { mechanism: KafkaSaslMechanism; username: string; password: string } | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    if (colon === -1) throw invalidBrokerUrl(url, 'SASL needs user:password');
    sasl = {
      mechanism: mechanism as KafkaSaslMechanism,
      username: decodeURIComponent(userinfo.slice(0, colon)),
      password: decodeURIComponent(userinfo.slice(colon + 1)),
    };
  } else if (query.has('sasl')) {
    throw invalidBrokerUrl(url, 'sasl is set but the URL has no user:password');
  }
  const clientId = query.get('clientId') ?? undefined;
  return { kind: 'kafka', brokers: hosts, ssl, ...(sasl && { sasl }), ...(clientId && { clientId }) };
}
