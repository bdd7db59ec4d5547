/**
 * Navigator layers as plain HTTP downloads, so the ATT&CK Navigator can open them by URL:
 *
 *   GET /layers/groups/G0016.json                 one group (also G0016,G0007 for several)
 *   GET /layers/coverage.json?detected=T1003,...  a coverage result (also groups=...); rules=all, or
 *                                                 product=, level=, status=, pack=, path=: the
 *                                                 imported Sigma rules (uploaded ones: POST
 *                                                 /layers/coverage-rules.json, coverage-upload.ts)
 *   GET /layers/mitigation-plan.json?groups=...   a mitigation plan (also techniques=..., max=...)
 *   GET /layers/emulation-plans/groups/G0016.json?platform=Windows   an emulation plan (also campaigns/C0024.json)
 *
 * Common query parameters: domain (enterprise-attack, mobile-attack, ics-attack), platform,
 * via (DIRECT,CAMPAIGN,SOFTWARE), release (such as 17.1; default the newest imported). Each route runs one GraphQL query through `execute`, so the
 * API's validation, limits and errors apply unchanged.
 */

export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/** Runs a GraphQL query with variables against the API. */
export type GraphQLExecutor = (query: string, variables: Record<string, unknown>) => Promise<GraphQLResult>;

export const LAYER_PATH_PREFIX = '/layers/';

/**
 * The layer download paths, as sent (still percent-encoded): the router's test of the layers
 * route. Only the group ids may be encoded (`G0016%2CG0007`); `route` below decodes them.
 */
export const LAYER_PATH =
  /^\/layers\/(?:groups\/[^/]+\.json|coverage\.json|mitigation-plan\.json|emulation-plans\/(?:groups|campaigns)\/[^/]+\.json)$/;

const RESULT = 'layer unknownIds';

const QUERIES = {
  groups: `query GroupsLayer($groups: [String!]!, $domain: Domain, $platform: String, $via: [UsageVia!], $rollUp: Boolean, $release: String) {
    result: groupsLayer(groups: $groups, domain: $domain, platform: $platform, via: $via, rollUp: $rollUp, release: $release) { ${RESULT} }
  }`,
  coverage: `query CoverageLayer($detected: [String!]!, $groups: [String!], $domain: Domain, $platform: String, $via: [UsageVia!], $release: String) {
    result: coverageLayer(detected: $detected, groups: $groups, domain: $domain, platform: $platform, via: $via, release: $release) { ${RESULT} }
  }`,
  coverageRules: `query CoverageRulesLayer($rules: SigmaRuleFilter, $groups: [String!], $domain: Domain, $platform: String, $via: [UsageVia!], $release: String, $parent: Boolean) {
    result: coverageLayer(rules: $rules, groups: $groups, domain: $domain, platform: $platform, via: $via, release: $release, parentCoversSubtechniques: $parent) { ${RESULT} }
  }`,
  plan: `query MitigationPlanLayer($groups: [String!], $techniques: [String!], $max: Int, $domain: Domain, $platform: String, $via: [UsageVia!], $release: String) {
    result: mitigationPlanLayer(groups: $groups, techniques: $techniques, max: $max, domain: $domain, platform: $platform, via: $via, release: $release) { ${RESULT} }
  }`,
  // An emulation plan has no unknown ids: an unknown actor is a null plan (404).
  emulation: `query EmulationPlanLayer($group: String, $campaign: String, $platform: String, $via: [UsageVia!], $release: String) {
    result: emulationPlan(group: $group, campaign: $campaign, platform: $platform, via: $via, release: $release) { layer }
  }`,
} as const;

const DOMAIN_NAMES: Record<string, string> = {
  'enterprise-attack': 'ENTERPRISE',
  'mobile-attack': 'MOBILE',
  'ics-attack': 'ICS',
  enterprise: 'ENTERPRISE',
  mobile: 'MOBILE',
  ics: 'ICS',
};

/** A `domain` query parameter as the GraphQL Domain enum value; undefined for no domain we know. */
export function domainParam(domain: string): string | undefined {
  return DOMAIN_NAMES[domain.toLowerCase()];
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS' };

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...CORS, ...extra },
  });
}

class BadRequest extends Error {}

const list = (value: string | null) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;

function commonVariables(params: URLSearchParams): Record<string, unknown> {
  const domain = params.get('domain');
  const mapped = domain ? domainParam(domain) : undefined;
  if (domain && !mapped)
    throw new BadRequest(`domain: expected enterprise-attack, mobile-attack or ics-attack (got ${domain})`);
  const via = list(params.get('via'))?.map((v) => v.toUpperCase());
  const rollUp = params.get('rollUp');
  return {
    ...(mapped ? { domain: mapped } : {}),
    ...(params.get('platform') ? { platform: params.get('platform') } : {}),
    ...(via ? { via } : {}),
    ...(rollUp !== null ? { rollUp: rollUp === 'true' || rollUp === '1' } : {}),
    ...(params.get('release') ? { release: params.get('release') } : {}),
  };
}

/** The imported Sigma rules a coverage download measures: `rules=all`, or any of the filters. */
function rulesParam(params: URLSearchParams): Record<string, unknown> | null {
  const filter: Record<string, unknown> = Object.fromEntries(
    (['product', 'level', 'status', 'pack'] as const).flatMap((k) => {
      const values = list(params.get(k));
      return values ? [[k, values]] : [];
    }),
  );
  if (params.get('path')) filter.path = params.get('path');
  return params.get('rules') === 'all' || Object.keys(filter).length ? filter : null;
}

function route(
  pathname: string,
  params: URLSearchParams,
): { query: string; variables: Record<string, unknown>; file: string } | null {
  const rest = decodeURIComponent(pathname.slice(LAYER_PATH_PREFIX.length));
  const groups = /^groups\/([^/]+)\.json$/.exec(rest);
  if (groups?.[1]) {
    const ids = list(groups[1]) ?? [];
    return {
      query: QUERIES.groups,
      variables: { ...commonVariables(params), groups: ids },
      file: `${ids.join('_')}.json`,
    };
  }
  const emulation = /^emulation-plans\/(groups|campaigns)\/([^/,]+)\.json$/.exec(rest);
  if (emulation?.[1] && emulation[2]) {
    const { domain: _domain, rollUp: _rollUp, ...common } = commonVariables(params);
    return {
      query: QUERIES.emulation,
      variables: { ...common, [emulation[1] === 'groups' ? 'group' : 'campaign']: emulation[2] },
      file: `${emulation[2]}-emulation-plan.json`,
    };
  }
  if (rest === 'coverage.json') {
    const detected = list(params.get('detected'));
    const rules = rulesParam(params);
    if (!detected && !rules)
      throw new BadRequest(
        'detected: give the ATT&CK IDs you detect, comma-separated (detected=T1003,T1059.001), or rules=all (or product=, level=, status=, pack=, path=) for the imported Sigma rules',
      );
    const { rollUp: _ignored, ...common } = commonVariables(params);
    const parent = params.get('parentCoversSubtechniques');
    return {
      query: rules ? QUERIES.coverageRules : QUERIES.coverage,
      variables: {
        ...common,
        ...(rules ? { rules } : { detected }),
        groups: list(params.get('groups')),
        ...(parent !== null ? { parent: parent === 'true' || parent === '1' } : {}),
      },
      file: 'coverage.json',
    };
  }
  if (rest === 'mitigation-plan.json') {
    const max = params.get('max');
    if (max !== null && !/^\d+$/.test(max)) throw new BadRequest(`max: expected a whole number (got ${max})`);
    const { rollUp: _ignored, ...common } = commonVariables(params);
    return {
      query: QUERIES.plan,
      variables: {
        ...common,
        groups: list(params.get('groups')),
        techniques: list(params.get('techniques')),
        ...(max !== null ? { max: Number(max) } : {}),
      },
      file: 'mitigation-plan.json',
    };
  }
  return null;
}

/**
 * Answers a layer download, or returns null when the request is not for `/layers/...` (the
 * caller then goes on as usual). Unknown ids -> 404, bad parameters -> 400, both as JSON.
 */
export async function handleLayerRequest(
  request: Request,
  execute: GraphQLExecutor,
): Promise<Response | null> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(LAYER_PATH_PREFIX)) return null;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return json(
      405,
      { error: 'only GET is supported (POST Sigma rules to /layers/coverage-rules.json)' },
      { allow: 'GET, HEAD, OPTIONS' },
    );
  let spec: ReturnType<typeof route>;
  try {
    spec = route(url.pathname, url.searchParams);
  } catch (error) {
    if (error instanceof BadRequest) return json(400, { error: error.message });
    throw error;
  }
  if (!spec)
    return json(404, {
      error:
        'no such layer; try /layers/groups/G0016.json, /layers/coverage.json?detected=T1003 or /layers/mitigation-plan.json?groups=G0016',
    });
  const result = await execute(spec.query, spec.variables);
  const firstError = result.errors?.[0];
  if (firstError) {
    const bad =
      firstError.extensions?.code === 'BAD_USER_INPUT' ||
      firstError.extensions?.code === 'UNKNOWN_RELEASE' ||
      firstError.extensions?.code === 'GRAPHQL_VALIDATION_FAILED';
    return json(bad ? 400 : 500, { error: firstError.message });
  }
  const payload = result.data?.result as { layer: unknown; unknownIds?: string[] } | null | undefined;
  if (!payload?.layer)
    return json(404, { error: 'none of the given ids were found', unknownIds: payload?.unknownIds ?? [] });
  const unknownIds = payload.unknownIds ?? [];
  return json(200, payload.layer, {
    'content-disposition': `inline; filename="${spec.file.replace(/[^\w.,-]/g, '_')}"`,
    ...(unknownIds.length ? { 'x-unknown-ids': unknownIds.join(',') } : {}),
  });
}
