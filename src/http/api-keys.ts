import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck =
  | { state: 'none' }
  | { state: 'invalid' }
  /** `id` names the key in logs, metrics and rate limits without revealing it. */
  | { state: 'valid'; id: string };

/**
 * Checks `Authorization: Bearer <key>` against SHA-256 digests of the configured keys. Comparing
 * fixed-length digests with timingSafeEqual, against every key without stopping early, leaks
 * neither the keys nor which one came close.
 */
export function createKeyChecker(digests: readonly Buffer[]) {
  return (authorization: string | null): KeyCheck => {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m?.[1]) return authorization ? { state: 'invalid' } : { state: 'none' };
    const presented = createHash('sha256').update(m[1]).digest();
    let match: Buffer | undefined;
    for (const digest of digests) {
      if (timingSafeEqual(presented, digest)) match = digest;
    }
    return match ? { state: 'valid', id: match.toString('hex').slice(0, 12) } : { state: 'invalid' };
  };
}
