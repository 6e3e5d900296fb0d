import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A bearer token compared in constant time: both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of what
 * the caller sent. The token itself is never logged nor kept in clear.
 */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = digest(token);
  }

  /** Whether an `Authorization` header carries this token. */
  matches(authorization: string | undefined): boolean {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    return token !== undefined && timingSafeEqual(digest(token), this.digest);
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();
