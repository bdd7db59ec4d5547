export interface RateLimitOptions {
  /** Tokens added per minute; 0 means no limit. */
  perMinute: number;
  /** Bucket size: how many requests may arrive at once. */
  burst: number;
  /** Most clients tracked; beyond it, full (idle) buckets are forgotten first. */
  maxClients?: number;
  now?: () => number;
}

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per client, in this process's memory: behind a load balancer each instance
 * counts on its own, so a client gets up to (instances x limit).
 */
export function createRateLimiter({
  perMinute,
  burst,
  maxClients = 100_000,
  now = Date.now,
}: RateLimitOptions) {
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refill = (b: { tokens: number; at: number }, t: number) => {
    b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
  };

  const prune = (t: number) => {
    for (const [client, b] of buckets) {
      refill(b, t);
      if (b.tokens >= burst) buckets.delete(client);
    }
    // Still too many active clients: drop the oldest (Map keeps insertion order), down to 90% so
    // a flood of new addresses pays for one prune per tenth of the table, not one per request.
    for (const client of buckets.keys()) {
      if (buckets.size <= maxClients * 0.9) break;
      buckets.delete(client);
    }
  };

  return {
    take(client: string): Take {
      const t = now();
      let b = buckets.get(client);
      if (!b) {
        if (buckets.size >= maxClients) prune(t);
        b = { tokens: burst, at: t };
        buckets.set(client, b);
      }
      refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true, remaining: Math.floor(b.tokens) };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
    get size() {
      return buckets.size;
    },
  };
}
