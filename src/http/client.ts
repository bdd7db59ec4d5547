/** What the node adapter passes as the server context; absent when a test calls `yoga.fetch`. */
export interface NodeServerContext {
  req?: { socket?: { remoteAddress?: string } };
}

/**
 * The client's address. Behind `hops` trusted proxies, each appending the address it saw to
 * X-Forwarded-For, the client is the hops-th entry from the right; entries left of it are
 * whatever the client sent and are ignored.
 */
export function clientAddress(request: Request, serverContext: unknown, hops: number): string {
  const socket = (serverContext as NodeServerContext | undefined)?.req?.socket?.remoteAddress ?? 'unknown';
  if (hops === 0) return socket;
  const forwarded = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - hops] ?? socket;
}
