import type { Plugin } from 'graphql-yoga';
import { errorResponse } from '../http/errors.ts';
import { notARoute, ROUTE_METHODS, ROUTE_PATHS, type Route, routeOf } from '../http/routes.ts';

/**
 * Yoga's own health check answers every URL that merely ends with its endpoint (`/x/health`,
 * `/graphql?a=/health`) and cannot be switched off. A serialized URL percent-encodes "<" in every
 * part, so no request URL ends with this value: Yoga's check never answers, and useRoutes serves
 * /health instead.
 */
export const YOGA_HEALTH_CHECK_OFF = '<served by useRoutes>';

const NOT_FOUND =
  `No such path. The API serves ${ROUTE_PATHS.graphql}, ${ROUTE_PATHS.health}, ${ROUTE_PATHS.ready}, ` +
  `${ROUTE_PATHS.metrics} and the layer downloads ${ROUTE_PATHS.layers}groups/<ids>.json, ` +
  `${ROUTE_PATHS.layers}coverage.json and ${ROUTE_PATHS.layers}mitigation-plan.json, the layer upload ` +
  `POST ${ROUTE_PATHS.migrate}, the Sigma rule upload POST ${ROUTE_PATHS.coverageUpload}, and the explorer's ` +
  'pages (/, /matrix, /compare, /coverage, /search, /techniques/<id>, /groups/<id>), exactly as written.';

/**
 * The first plugin to answer (put it before every other plugin that has an onRequest hook):
 * 404 for anything that is not a documented route (src/http/routes.ts), 405 for a method the
 * route does not take, and the liveness answer of /health. Nothing else runs for those requests:
 * no GraphQL, no key check, no rate limit.
 */
export function useRoutes({
  cors,
  metrics,
  explorer = false,
}: {
  cors: boolean;
  metrics: boolean;
  /** Whether the explorer's routes are served (EXPLORER). */
  explorer?: boolean;
}): Plugin {
  const methods = (route: Route) =>
    cors && !ROUTE_METHODS[route].includes('OPTIONS')
      ? [...ROUTE_METHODS[route], 'OPTIONS']
      : ROUTE_METHODS[route];
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      let route = routeOf(request);
      if (route === 'explorer' && !explorer) {
        notARoute(request);
        route = null;
      }
      if (route === null || (route === 'metrics' && !metrics)) {
        endResponse(errorResponse(fetchAPI, 404, 'NOT_FOUND', NOT_FOUND));
        return;
      }
      const allowed = methods(route);
      if (!allowed.includes(request.method)) {
        endResponse(
          errorResponse(
            fetchAPI,
            405,
            'METHOD_NOT_ALLOWED',
            `${ROUTE_PATHS[route]} answers ${allowed.join(', ')}; not ${request.method}.`,
            { allow: allowed.join(', ') },
          ),
        );
        return;
      }
      if (route === 'health' && request.method !== 'OPTIONS') {
        endResponse(new fetchAPI.Response(null, { status: 200, headers: { 'cache-control': 'no-store' } }));
      }
    },
  };
}
