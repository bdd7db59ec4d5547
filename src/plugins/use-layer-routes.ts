import type { Plugin, YogaServer } from 'graphql-yoga';
import { handleControlRequest } from '../http/control-downloads.ts';
import { handleCoverageUpload } from '../http/coverage-upload.ts';
import { type GraphQLExecutor, handleLayerRequest } from '../http/layer-downloads.ts';
import { handleLayerMigrate } from '../http/layer-migrate.ts';
import { routeOf } from '../http/routes.ts';

/**
 * Serves Navigator layer downloads (`/layers/...`, see src/http/layer-downloads.ts) from the same
 * app, and the layer upload (`POST /layers/migrate`, src/http/layer-migrate.ts), whose body may
 * be at most `maxUploadBytes`. Each download runs its GraphQL query through this Yoga instance (its `handle`), so the
 * schema's validation, limits and error masking apply to it.
 */
// biome-ignore lint/suspicious/noExplicitAny: the plugin works with any server and user context
export function useLayerRoutes({ maxUploadBytes }: { maxUploadBytes: number }): Plugin<any> {
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let yoga: YogaServer<any, any> | undefined;
  return {
    onYogaInit({ yoga: instance }) {
      yoga = instance;
    },
    async onRequest({ request, url, endResponse, serverContext, fetchAPI }) {
      const route = routeOf(request);
      if (
        (route !== 'layers' && route !== 'migrate' && route !== 'controls' && route !== 'coverageUpload') ||
        !yoga
      )
        return;
      const app = yoga;
      const execute: GraphQLExecutor = async (query, variables) => {
        const inner = new fetchAPI.Request(new URL(app.graphqlEndpoint, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query, variables }),
        });
        const answer = await app.handle(inner, serverContext);
        return answer.json();
      };
      const response =
        route === 'controls'
          ? await handleControlRequest(request, execute)
          : ((await handleLayerMigrate(request, execute, { maxBytes: maxUploadBytes })) ??
            (await handleCoverageUpload(request, execute, { maxBytes: maxUploadBytes })) ??
            (await handleLayerRequest(request, execute)));
      if (response) endResponse(response);
    },
  };
}
