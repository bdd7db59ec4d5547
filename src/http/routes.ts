import { CONTROL_PATH, CONTROL_PATH_PREFIX } from './control-downloads.ts';
import { COVERAGE_UPLOAD_PATH } from './coverage-upload.ts';
import { LAYER_PATH, LAYER_PATH_PREFIX } from './layer-downloads.ts';
import { LAYER_MIGRATE_PATH } from './layer-migrate.ts';

/**
 * The app's documented routes. Every plugin asks `routeOf` which one a request is for, so the
 * guards (API keys, rate limits, CSRF), the endpoints and the 404 share one decision.
 *
 * The rule: a route is its exact path, compared as the URL parser leaves it. No trailing slash,
 * no repeated slash, no prefix, no percent-encoding (`/%67raphql` is not `/graphql`), case counts
 * (`/GraphQL` is not a route). The layer downloads are their three documented paths under
 * `/layers/` (src/http/layer-downloads.ts), the group ids being the only variable part; the layer
 * upload (`migrate`) is `/layers/migrate` (src/http/layer-migrate.ts), POST only, as is the Sigma
 * rule upload (`coverageUpload`, `/layers/coverage-rules.json`, src/http/coverage-upload.ts). The query
 * string plays no part in choosing a route. Everything else is not a route and gets 404 before
 * anything runs.
 */
export type Route =
  | 'graphql'
  | 'health'
  | 'ready'
  | 'metrics'
  | 'layers'
  | 'migrate'
  | 'controls'
  | 'coverageUpload'
  | 'explorer';

export const ROUTE_PATHS = {
  graphql: '/graphql',
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
  layers: LAYER_PATH_PREFIX,
  migrate: LAYER_MIGRATE_PATH,
  controls: CONTROL_PATH_PREFIX,
  coverageUpload: COVERAGE_UPLOAD_PATH,
  explorer: '/',
} as const satisfies Record<Route, string>;

/**
 * The methods each route answers. OPTIONS (a CORS preflight) is added to every route when
 * CORS_ORIGINS is set; the layer downloads answer preflights themselves, for any origin.
 */
export const ROUTE_METHODS: Record<Route, readonly string[]> = {
  graphql: ['GET', 'POST'],
  health: ['GET', 'HEAD'],
  ready: ['GET', 'HEAD'],
  metrics: ['GET', 'HEAD'],
  layers: ['GET', 'HEAD', 'OPTIONS'],
  // The upload answers its CORS preflight itself, as the downloads do.
  migrate: ['POST', 'OPTIONS'],
  // The control downloads (src/http/control-downloads.ts) answer their preflights too.
  controls: ['GET', 'HEAD', 'OPTIONS'],
  // Sigma rule files for a coverage layer (src/http/coverage-upload.ts), as the layer upload.
  coverageUpload: ['POST', 'OPTIONS'],
  explorer: ['GET', 'HEAD'],
};

/**
 * The explorer's pages (each a shareable URL the app routes itself) and its built assets. The page
 * paths are the app's, exactly: `/`, `/matrix`, `/compare`, `/coverage`, `/search`, `/techniques/<ATT&CK ID>`,
 * `/groups/<ATT&CK ID>`, `/groups/<ATT&CK ID>/plan`; the assets are Vite's hashed files under `/assets/`.
 */
export const EXPLORER_PATH =
  /^\/(?:|matrix|search|compare|coverage|techniques\/T\d{4}(?:\.\d{3})?|groups\/G\d{4}(?:\/plan)?|assets\/[\w.-]+\.(?:js|css|svg|png|woff2))$/;

const EXACT = new Map<string, Route>([
  [ROUTE_PATHS.graphql, 'graphql'],
  [ROUTE_PATHS.health, 'health'],
  [ROUTE_PATHS.ready, 'ready'],
  [ROUTE_PATHS.metrics, 'metrics'],
  [ROUTE_PATHS.migrate, 'migrate'],
  [ROUTE_PATHS.coverageUpload, 'coverageUpload'],
]);

/** The route of a URL path (`URL.pathname`, still percent-encoded), or null when it is none. */
export function routeForPath(pathname: string): Route | null {
  const exact = EXACT.get(pathname);
  if (exact) return exact;
  if (LAYER_PATH.test(pathname)) return 'layers';
  if (CONTROL_PATH.test(pathname)) return 'controls';
  return EXPLORER_PATH.test(pathname) ? 'explorer' : null;
}

const decided = new WeakMap<Request, Route | null>();

/** The request's route: decided on first use and remembered, so every plugin sees the same one. */
export function routeOf(request: Request): Route | null {
  let route = decided.get(request);
  if (route === undefined) {
    route = routeForPath(new URL(request.url).pathname);
    decided.set(request, route);
  }
  return route;
}

/**
 * Marks a request's path as no route after all: the explorer's paths when EXPLORER=false, so its
 * 404s are logged and counted as "other", like any path that is not a route.
 */
export function notARoute(request: Request): void {
  decided.set(request, null);
}

/** The `route` label of logs and metrics: the documented path, or "other". */
export function routeLabel(request: Request): string {
  const route = routeOf(request);
  if (route === null) return 'other';
  if (route === 'layers') return '/layers';
  if (route === 'controls') return '/controls';
  return route === 'explorer' ? '/explorer' : ROUTE_PATHS[route];
}
