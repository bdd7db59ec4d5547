/** The media types a GraphQL POST body may have. */
export const JSON_TYPES = ['application/json', 'application/graphql+json'];

/**
 * A request's media type, lower-cased, without parameters ("" when there is none). Media types
 * are case-insensitive (RFC 9110, 8.3.1): `APPLICATION/JSON` is JSON. A list, which HTTP does not
 * allow here but some clients send, counts by its first entry, as Yoga reads it.
 */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(/[;,]/)[0]?.trim().toLowerCase() ?? '';
}
