/**
 * Sigma rule files uploaded for a coverage layer:
 *
 *   POST /layers/coverage-rules.json?groups=G0016&platform=Windows   (body: a Sigma rule file, YAML)
 *
 * The body is one YAML file (several rules: several documents, separated by `---`); `name` names it
 * in errors (default `upload.yml`). The same query parameters as the GET download apply, and
 * `parentCoversSubtechniques=true`. It runs `coverageLayer(ruleFiles:)` through `execute`, as the
 * downloads do (layer-downloads.ts), behind the same keys, rate limit and `MAX_BODY_BYTES`. Reads only.
 */
import { domainParam, type GraphQLExecutor } from './layer-downloads.ts';
import { mediaType } from './media-type.ts';
import { readLimited } from './read-body.ts';

export const COVERAGE_UPLOAD_PATH = '/layers/coverage-rules.json';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

const QUERY = `query CoverageUpload($ruleFiles: [SigmaRuleFile!], $groups: [String!], $domain: Domain, $platform: String, $release: String, $parent: Boolean) {
  result: coverageLayer(ruleFiles: $ruleFiles, groups: $groups, domain: $domain, platform: $platform, release: $release, parentCoversSubtechniques: $parent) { layer unknownIds }
}`;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization',
};

const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
  new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...CORS, ...extra },
  });

const list = (value: string | null) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? null;

/** Answers `POST /layers/coverage-rules.json` (405 for another method), or null for another path. */
export async function handleCoverageUpload(
  request: Request,
  execute: GraphQLExecutor,
  { maxBytes }: { maxBytes: number },
): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.pathname !== COVERAGE_UPLOAD_PATH) return null;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'POST')
    return json(
      405,
      { code: 'METHOD_NOT_ALLOWED', error: 'POST the Sigma rule file as the body' },
      { allow: 'POST, OPTIONS' },
    );
  if (!YAML_TYPES.includes(mediaType(request)))
    return json(415, {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      error:
        'POST the Sigma rule file with "Content-Type: application/yaml" (curl -H "content-type: application/yaml" --data-binary @rule.yml)',
    });
  const params = url.searchParams;
  const domain = params.get('domain');
  const mapped = domain ? domainParam(domain) : undefined;
  if (domain && !mapped)
    return json(400, {
      code: 'BAD_USER_INPUT',
      error: `domain: expected enterprise-attack, mobile-attack or ics-attack (got ${domain})`,
    });
  const name = params.get('name') || 'upload.yml';
  const text = await readLimited(request, maxBytes);
  if (text === null)
    return json(413, {
      code: 'REQUEST_ENTITY_TOO_LARGE',
      error: `${name}: the file is larger than ${maxBytes} bytes (MAX_BODY_BYTES); nothing was read`,
      file: name,
    });
  const parent = params.get('parentCoversSubtechniques');
  const result = await execute(QUERY, {
    ruleFiles: [{ path: name, text }],
    groups: list(params.get('groups')),
    ...(mapped ? { domain: mapped } : {}),
    ...(params.get('platform') ? { platform: params.get('platform') } : {}),
    ...(params.get('release') ? { release: params.get('release') } : {}),
    ...(parent !== null ? { parent: parent === 'true' || parent === '1' } : {}),
  });
  const first = result.errors?.[0];
  if (first) {
    const { code, http: _status, ...rest } = (first.extensions ?? {}) as Record<string, unknown>;
    const bad =
      code === 'BAD_USER_INPUT' || code === 'UNKNOWN_RELEASE' || code === 'GRAPHQL_VALIDATION_FAILED';
    return json(bad ? 400 : 500, {
      error: first.message,
      code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
      ...rest,
    });
  }
  const payload = result.data?.result as { layer: unknown; unknownIds: string[] } | null | undefined;
  return json(200, payload?.layer ?? null, {
    'content-disposition': 'inline; filename="coverage.json"',
    ...(payload?.unknownIds.length ? { 'x-unknown-ids': payload.unknownIds.join(',') } : {}),
  });
}
