import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { UnknownOutboxCodecException } from '../errors/unknown-outbox-codec.exception.js';

/**
 * How an outbox row's body is compressed. Recorded on every row, so changing
 * the module's codec never breaks rows written before.
 * @publicApi
 */
export type OutboxCodec = 'none' | 'zlib' | 'gzip' | 'brotli';

/** The codecs this version reads and writes. @publicApi */
export const OUTBOX_CODECS: readonly OutboxCodec[] = ['none', 'zlib', 'gzip', 'brotli'];

type Transform = (input: Buffer) => Promise<Buffer>;

const codecs: Record<OutboxCodec, { encode: Transform; decode: Transform }> = {
  none: { encode: async (b) => b, decode: async (b) => b },
  zlib: { encode: promisify(zlib.deflate), decode: promisify(zlib.inflate) },
  gzip: { encode: promisify(zlib.gzip), decode: promisify(zlib.gunzip) },
  brotli: { encode: promisify(zlib.brotliCompress), decode: promisify(zlib.brotliDecompress) },
};

function codecOf(name: string): { encode: Transform; decode: Transform } {
  if (!Object.hasOwn(codecs, name)) throw new UnknownOutboxCodecException(name, OUTBOX_CODECS);
  return codecs[name as OutboxCodec];
}

/** Compresses a message body with the given codec. */
export function encodeBody(codec: OutboxCodec, body: Buffer): Promise<Buffer> {
  return codecOf(codec).encode(body);
}

/** Decompresses a row's body with the codec recorded on that row. */
export function decodeBody(codec: string, stored: Buffer): Promise<Buffer> {
  return codecOf(codec).decode(stored);
}

/** Throws when a configured codec is not one of {@link OUTBOX_CODECS}. */
export function assertOutboxCodec(codec: string): asserts codec is OutboxCodec {
  codecOf(codec);
}
