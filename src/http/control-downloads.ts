import type { GraphQLExecutor, GraphQLResult } from './layer-downloads.ts';

/**
 * Control mappings as plain downloads, for integrations (GRC tools, spreadsheets):
 *
 *   GET /controls/nist_800_53/AC-2.json   one control with the techniques it maps to (AC-02 too)
 *   GET /controls/nist_800_53.csv         every mapping of a framework, joined to technique names
 *
 * `release` (such as 17.1; default the newest imported) picks the ATT&CK release the mappings are
 * joined to. Each runs one GraphQL query through `execute`, as the layer downloads do, behind the
 * same keys and rate limits.
 */

export const CONTROL_PATH_PREFIX = '/controls/';

/** The download paths as sent (still percent-encoded); `route` decodes the id. */
export const CONTROL_PATH = /^\/controls\/(?:[a-z0-9_]+\/[^/]+\.json|[a-z0-9_]+\.csv)$/;

const EDGE = `mappingType scoreCategory scoreValue comments references attackVersion writtenFor viaRevocation
  node { attackId name }`;

const QUERIES = {
  control: `query ControlDownload($framework: String!, $id: String!, $release: String) {
    control(framework: $framework, id: $id, release: $release) {
      framework controlId name group groupName frameworkVersion
      techniques(first: 1000) { totalCount edges { ${EDGE} } }
      dropped { attackId reason }
    }
  }`,
  csv: `query ControlsCsv($framework: String!, $release: String) {
    controls(framework: $framework, release: $release, first: 1000) {
      nodes { controlId name groupName techniques(first: 1000) { edges { ${EDGE} } } }
    }
  }`,
} as const;

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS' };

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...CORS, ...extra },
  });
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
const field = (v: unknown) => {
  const s = v == null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const CSV_COLUMNS = [
  'control_id',
  'control_name',
  'control_group',
  'mapping_type',
  'score_category',
  'score_value',
  'technique_id',
  'technique_name',
  'written_for',
  'via_revocation',
  'attack_version',
  'comments',
  'references',
] as const;

interface EdgeShape {
  mappingType: string;
  scoreCategory: string | null;
  scoreValue: string | null;
  comments: string | null;
  references: string[];
  attackVersion: string;
  writtenFor: string;
  viaRevocation: string | null;
  node: { attackId: string; name: string };
}

function toCsv(
  controls: {
    controlId: string;
    name: string | null;
    groupName: string | null;
    techniques: { edges: EdgeShape[] };
  }[],
) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of controls)
    for (const e of c.techniques.edges)
      lines.push(
        [
          c.controlId,
          c.name,
          c.groupName,
          e.mappingType.toLowerCase(),
          e.scoreCategory,
          e.scoreValue,
          e.node.attackId,
          e.node.name,
          e.writtenFor,
          e.viaRevocation,
          e.attackVersion,
          e.comments,
          e.references,
        ]
          .map(field)
          .join(','),
      );
  return `${lines.join('\r\n')}\r\n`;
}

function failure(result: GraphQLResult): Response | null {
  const first = result.errors?.[0];
  if (!first) return null;
  const code = first.extensions?.code;
  const bad = code === 'BAD_USER_INPUT' || code === 'UNKNOWN_RELEASE' || code === 'GRAPHQL_VALIDATION_FAILED';
  return json(bad ? 400 : 500, { error: first.message });
}

/** Answers a control download, or null when the request is not for `/controls/...`. */
export async function handleControlRequest(
  request: Request,
  execute: GraphQLExecutor,
): Promise<Response | null> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(CONTROL_PATH_PREFIX)) return null;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return json(405, { error: 'only GET is supported' }, { allow: 'GET, HEAD, OPTIONS' });
  const rest = url.pathname.slice(CONTROL_PATH_PREFIX.length);
  const release = url.searchParams.get('release');
  const common = release ? { release } : {};
  const one = /^([a-z0-9_]+)\/([^/]+)\.json$/.exec(rest);
  if (one?.[1] && one[2]) {
    let id: string;
    try {
      id = decodeURIComponent(one[2]);
    } catch {
      return json(400, { error: 'id: not a valid percent-encoded control id' });
    }
    const result = await execute(QUERIES.control, { framework: one[1], id, ...common });
    const failed = failure(result);
    if (failed) return failed;
    const control = result.data?.control;
    if (!control)
      return json(404, { error: `no control ${id} in framework ${one[1]}; see the frameworks query` });
    return json(200, control, {
      'content-disposition': `inline; filename="${`${one[1]}-${id}.json`.replace(/[^\w.,-]/g, '_')}"`,
    });
  }
  const all = /^([a-z0-9_]+)\.csv$/.exec(rest);
  if (all?.[1]) {
    const result = await execute(QUERIES.csv, { framework: all[1], ...common });
    const failed = failure(result);
    if (failed) return failed;
    const nodes = (result.data?.controls as { nodes: Parameters<typeof toCsv>[0] } | undefined)?.nodes ?? [];
    if (nodes.length === 0) return json(404, { error: `no mappings of framework ${all[1]} are imported` });
    return new Response(toCsv(nodes), {
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${all[1]}-mappings.csv"`,
        ...CORS,
      },
    });
  }
  return json(404, {
    error: 'no such download; try /controls/nist_800_53/AC-2.json or /controls/nist_800_53.csv',
  });
}
