import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../http/metrics.ts';
import { routeOf } from '../http/routes.ts';

/** Serves the Prometheus text format at /metrics; put it after useAccess so keys apply. */
export function useMetricsEndpoint({ metrics }: { metrics: Metrics }): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (routeOf(request) !== 'metrics' || request.method === 'OPTIONS') return;
      return metrics.registry.metrics().then((text) => {
        endResponse(
          new fetchAPI.Response(text, {
            headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
          }),
        );
      });
    },
  };
}
