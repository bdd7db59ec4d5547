import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The HTTP server that main.ts listens with. `requestTimeoutMs` bounds how long a client may take
 * to send a whole request, headers and body: a client trickling bytes would otherwise hold its
 * connection for Node's default of 300 s. Node answers 408 and closes the connection.
 */
export function createHttpServer(
  handler: RequestListener,
  { requestTimeoutMs }: { requestTimeoutMs: number },
): Server {
  return createServer(
    {
      requestTimeout: requestTimeoutMs,
      // Headers are part of the request; Node requires this to be at most requestTimeout.
      headersTimeout: requestTimeoutMs,
      // Node checks the timeouts above only this often (default 30 s), so check at least every second.
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    },
    handler,
  );
}
