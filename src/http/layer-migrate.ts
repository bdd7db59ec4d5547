/**
 * A Navigator layer file uploaded to be migrated to another ATT&CK release:
 *
 *   POST /layers/migrate?domain=enterprise-attack&from=17.1&to=18.1   (body: the layer file, JSON)
 *
 * `domain` defaults to enterprise-attack, `from` to the release the layer names
 * (`versions.attack`), `to` to the domain's newest. The answer is the migrated layer (format 4.5).
 * It runs the `migrateLayer` query through `execute`, as the layer downloads do
 * (layer-downloads.ts): the API's validation, limits and errors apply unchanged. Reads only.
 */
import { domainParam, type GraphQLExecutor } from './layer-downloads.ts';
import { JSON_TYPES, mediaType } from './media-type.ts';
import { readLimited } from './read-body.ts';

export const LAYER_MIGRATE_PATH = '/layers/migrate';

const QUERY = `query MigrateLayer($layer: NavigatorLayerInput!, $domain: Domain, $from: String, $to: String) {
  result: migrateLayer(layer: $layer, domain: $domain, from: $from, to: $to) { layer from to }
}`;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization',
};

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...CORS, ...extra },
  });
}

const failure = (status: number, code: string, error: string, extra: Record<string, unknown> = {}) =>
  json(status, { error, code, ...extra });

/** Status of a GraphQL error the route passes on: the caller's input, or the server's fault. */
const statusOf = (code: unknown) =>
  code === 'BAD_USER_INPUT' || code === 'UNKNOWN_RELEASE' || code === 'GRAPHQL_VALIDATION_FAILED'
    ? 400
    : code === 'REQUEST_ENTITY_TOO_LARGE'
      ? 413
      : 500;

/**
 * Answers `POST /layers/migrate`, or returns null for any other path. Not JSON, not a layer, a
 * layer of another domain, an unknown release -> 400 naming the field; too large -> 413.
 */
export async function handleLayerMigrate(
  request: Request,
  execute: GraphQLExecutor,
  { maxBytes }: { maxBytes: number },
): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.pathname !== LAYER_MIGRATE_PATH) return null;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'POST')
    return failure(405, 'METHOD_NOT_ALLOWED', 'POST the layer file as the body', { allow: 'POST, OPTIONS' });
  if (!JSON_TYPES.includes(mediaType(request)))
    return failure(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'POST the layer file with "Content-Type: application/json" (curl -H "content-type: application/json" --data-binary @layer.json)',
    );
  const params = url.searchParams;
  const domain = params.get('domain');
  const mapped = domain ? domainParam(domain) : undefined;
  if (domain && !mapped)
    return failure(
      400,
      'BAD_USER_INPUT',
      `domain: expected enterprise-attack, mobile-attack or ics-attack (got ${domain})`,
    );
  const text = await readLimited(request, maxBytes);
  if (text === null)
    return failure(
      413,
      'REQUEST_ENTITY_TOO_LARGE',
      `layer: the file is larger than ${maxBytes} bytes (MAX_BODY_BYTES)`,
    );
  let layer: unknown;
  try {
    layer = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input back: not passed on.
    return failure(400, 'BAD_USER_INPUT', 'layer: not JSON; expected a Navigator layer file (JSON)', {
      field: 'layer',
    });
  }
  const result = await execute(QUERY, {
    layer,
    ...(mapped ? { domain: mapped } : {}),
    ...(params.get('from') ? { from: params.get('from') } : {}),
    ...(params.get('to') ? { to: params.get('to') } : {}),
  });
  const first = result.errors?.[0];
  if (first) {
    const { code, http: _status, ...rest } = (first.extensions ?? {}) as Record<string, unknown>;
    return failure(
      statusOf(code),
      typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
      first.message,
      rest,
    );
  }
  const payload = result.data?.result as { layer: unknown; from: string; to: string } | undefined;
  const name = `layer-attack-${payload?.to ?? 'migrated'}.json`.replace(/[^\w.,-]/g, '_');
  return json(200, payload?.layer ?? null, {
    'content-disposition': `inline; filename="${name}"`,
    'x-migrated-from': payload?.from ?? '',
    'x-migrated-to': payload?.to ?? '',
  });
}
