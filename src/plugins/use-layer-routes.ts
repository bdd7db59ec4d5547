import type { Plugin, YogaServer } from 'graphql-yoga';
import { handleLayerRequest } from '../http/layer-downloads.ts';
import { routeOf } from '../http/routes.ts';

/**
 * Serves Navigator layer downloads (`/layers/...`, see src/http/layer-downloads.ts) from the same
 * app. Each download runs its GraphQL query through this Yoga instance (its `handle`), so the
 * schema's validation, limits and error masking apply to it.
 */
// biome-ignore lint/suspicious/noExplicitAny: the plugin works with any server and user context
export function useLayerRoutes(): Plugin<any> {
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let yoga: YogaServer<any, any> | undefined;
  return {
    onYogaInit({ yoga: instance }) {
      yoga = instance;
    },
    async onRequest({ request, url, endResponse, serverContext, fetchAPI }) {
      if (routeOf(request) !== 'layers' || !yoga) return;
      const app = yoga;
      const response = await handleLayerRequest(request, async (query, variables) => {
        const inner = new fetchAPI.Request(new URL(app.graphqlEndpoint, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query, variables }),
        });
        const answer = await app.handle(inner, serverContext);
        return answer.json();
      });
      if (response) endResponse(response);
    },
  };
}
