import type { Plugin } from 'graphql-yoga';
import { errorResponse } from '../http/errors.ts';
import { JSON_TYPES, mediaType } from '../http/media-type.ts';
import type { Metrics } from '../http/metrics.ts';
import { routeOf } from '../http/routes.ts';

/** Headers a browser may not add cross-site without a CORS preflight the server would refuse. */
const PREFLIGHT_HEADERS = [
  'authorization',
  'x-graphql-csrf',
  'graphql-require-preflight',
  'apollo-require-preflight',
  'x-apollo-operation-name',
];

/**
 * CSRF prevention for the GraphQL endpoint: a cross-site page can send only "simple" requests
 * without a preflight, so POSTs must be JSON and GET queries must carry a non-simple header.
 * The GraphiQL page itself (GET without a query) needs neither.
 */
export function useCsrfPrevention({ metrics }: { metrics: Metrics }): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const route = routeOf(request);
      // No route: useRoutes has answered 404 already; were it ever misplaced, check the request anyway.
      if (route !== null && route !== 'graphql') return;
      if (request.method === 'POST' && !JSON_TYPES.includes(mediaType(request))) {
        metrics.rejection('unsupported_media_type');
        endResponse(
          errorResponse(
            fetchAPI,
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            'POST a JSON body with "Content-Type: application/json".',
            { accept: JSON_TYPES.join(', ') },
          ),
        );
        return;
      }
      const asksQuery = ['query', 'extensions', 'variables'].some((p) => url.searchParams.has(p));
      if (request.method === 'GET' && asksQuery) {
        const preflighted =
          PREFLIGHT_HEADERS.some((h) => request.headers.has(h)) || JSON_TYPES.includes(mediaType(request));
        if (!preflighted) {
          metrics.rejection('csrf');
          endResponse(
            errorResponse(
              fetchAPI,
              400,
              'CSRF_PREVENTION',
              'GET queries need a header a browser cannot send cross-site without permission, ' +
                'such as "x-graphql-csrf: 1" or "Authorization: Bearer <key>".',
            ),
          );
        }
      }
    },
  };
}
