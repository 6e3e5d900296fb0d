import type { IHeaders } from 'kafkajs';

/** Kafka header values are bytes (or lists of them); ours are UTF-8 strings, the last value wins. */
export function decodeKafkaHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) decoded[name] = last.toString();
  }
  return decoded;
}
