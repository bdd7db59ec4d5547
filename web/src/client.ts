import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { authHeaders } from './api-key.ts';

/** The one GraphQL client: the public endpoint, as any frontend would use it. */
export function createClient(): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    // POST with a JSON body: the API's CSRF rule asks GET requests for a header we need not send.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: authHeaders() }),
  });
}
