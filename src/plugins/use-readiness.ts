import type { Plugin } from 'graphql-yoga';
import type { Readiness } from '../http/readiness.ts';
import { routeOf } from '../http/routes.ts';

/**
 * Answers /ready from `readiness`: 200 when Neo4j answers and holds ATT&CK data, otherwise 503
 * with `{"status":"empty"}` or `{"status":"unavailable"}`. Yoga's useReadinessCheck is not used:
 * it answers any URL that ends with "/ready".
 */
export function useReadiness(readiness: Readiness): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (routeOf(request) !== 'ready' || request.method === 'OPTIONS') return;
      const state = await readiness.state();
      const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      endResponse(
        state === 'ready'
          ? new fetchAPI.Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
          : new fetchAPI.Response(JSON.stringify({ status: state }), { status: 503, headers }),
      );
    },
  };
}
