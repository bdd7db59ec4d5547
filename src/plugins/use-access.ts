import type { Plugin } from 'graphql-yoga';
import type { Config } from '../env.ts';
import { createKeyChecker } from '../http/api-keys.ts';
import { clientAddress } from '../http/client.ts';
import { errorResponse } from '../http/errors.ts';
import type { Metrics } from '../http/metrics.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import { type Route, routeOf } from '../http/routes.ts';
import { requestInfo } from './request-info.ts';

/**
 * API keys and rate limits for the given routes: GraphQL, /metrics and the layer downloads (health
 * and readiness stay open for load balancers). A valid key names the client; otherwise its address
 * does, so a client guessing keys spends its own address's budget.
 */
export function useAccess({
  config,
  metrics,
  routes,
}: {
  config: Config;
  metrics: Metrics;
  routes: Route[];
}): Plugin {
  const keysRequired = config.auth.keyDigests.length > 0;
  const checkKey = createKeyChecker(config.auth.keyDigests);
  const { perMinute, burst } = config.rateLimit;
  const limiter = perMinute > 0 ? createRateLimiter({ perMinute, burst }) : undefined;

  return {
    onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const route = routeOf(request);
      // No route: useRoutes has answered 404 already; were it ever misplaced, guard the request anyway.
      if ((route !== null && !routes.includes(route)) || request.method === 'OPTIONS') return;
      const info = requestInfo(request);
      const key = keysRequired ? checkKey(request.headers.get('authorization')) : { state: 'none' as const };
      info.client =
        key.state === 'valid'
          ? `key:${key.id}`
          : `ip:${clientAddress(request, serverContext, config.http.trustProxyHops)}`;

      if (limiter) {
        const taken = limiter.take(info.client);
        if (!taken.ok) {
          metrics.rejection('rate_limited');
          endResponse(
            errorResponse(
              fetchAPI,
              429,
              'RATE_LIMITED',
              `Too many requests: at most ${perMinute} a minute (bursts of ${burst}). Retry after ${taken.retryAfterSeconds} s.`,
              { 'retry-after': String(taken.retryAfterSeconds), 'ratelimit-limit': String(perMinute) },
            ),
          );
          return;
        }
      }

      if (keysRequired && key.state !== 'valid') {
        metrics.rejection(key.state === 'none' ? 'no_api_key' : 'bad_api_key');
        endResponse(
          errorResponse(
            fetchAPI,
            401,
            'UNAUTHENTICATED',
            key.state === 'none'
              ? 'An API key is required: send it as "Authorization: Bearer <key>".'
              : 'The API key is not valid.',
            { 'www-authenticate': 'Bearer realm="attack-graph"' },
          ),
        );
      }
    },
  };
}
