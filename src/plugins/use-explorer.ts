import type { Plugin } from 'graphql-yoga';
import { errorResponse } from '../http/errors.ts';
import { createExplorerFiles } from '../http/explorer-files.ts';
import { routeOf } from '../http/routes.ts';

/**
 * Serves the explorer web app (web/, built to `dir`) on its routes. Its files hold no data and
 * need no API key; the data it shows comes through /graphql and /layers/, under the same key and
 * rate-limit rules as any other client (the app sends the key the user enters).
 */
export function useExplorer({ dir }: { dir: string }): Plugin {
  const files = createExplorerFiles(dir);
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (routeOf(request) !== 'explorer') return;
      const file = await files.forPath(new URL(request.url).pathname);
      if (!file) {
        endResponse(
          errorResponse(
            fetchAPI,
            404,
            'NOT_FOUND',
            'The explorer is not built here: run `npm run build:web` (npm ci and npm start build it).',
          ),
        );
        return;
      }
      const body = request.method === 'HEAD' ? null : new Uint8Array(file.body);
      endResponse(new fetchAPI.Response(body, { status: 200, headers: file.headers }));
    },
  };
}
