import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../http/metrics.ts';

/** Serves the Prometheus text format at `endpoint`; put it after useAccess so keys apply. */
export function useMetricsEndpoint({ metrics, endpoint }: { metrics: Metrics; endpoint: string }): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || request.method !== 'GET') return;
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
