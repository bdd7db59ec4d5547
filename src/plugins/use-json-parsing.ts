import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { JSON_TYPES, mediaType } from '../http/media-type.ts';

const EXAMPLE = '{"query": "{ __typename }"}';

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/** Parses JSON; the parser's own message is not passed on, as it quotes the input back. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`${what} is not valid JSON.`);
  }
}

/** Reads a JSON POST body; the body size limit (MAX_BODY_BYTES) still applies, as Yoga wraps every parser. */
async function parseJsonBody(request: Request): Promise<GraphQLParams | GraphQLParams[]> {
  // A body over the size limit fails here with Yoga's own 413 error: it goes through unchanged.
  const body = parseJson(await request.text(), 'The request body');
  if (body === null || typeof body !== 'object') {
    throw badRequest(
      `The request body must be a JSON object such as ${EXAMPLE}, not ${body === null ? 'null' : `a ${typeof body}`}.`,
    );
  }
  // Yoga checks the fields (query, variables, ...) and batching (arrays) from here on.
  return body as GraphQLParams | GraphQLParams[];
}

/** Reads a GET request's parameters, as Yoga does, but says which parameter is not JSON. */
function parseGetParams(request: Request): GraphQLParams {
  const params = new URL(request.url).searchParams;
  const json = (name: 'variables' | 'extensions') => {
    const value = params.get(name);
    return value ? parseJson(value, `The "${name}" parameter`) : undefined;
  };
  return {
    query: params.get('query') || undefined,
    operationName: params.get('operationName') || undefined,
    variables: json('variables') as GraphQLParams['variables'],
    extensions: json('extensions') as GraphQLParams['extensions'],
  };
}

/**
 * Parses GraphQL requests in place of Yoga's JSON and GET parsers, which answered invalid JSON
 * with the parser's exception in `extensions.originalError` (body) or a 500 "Unexpected error."
 * (GET parameters), and matched the media type case-sensitively (`APPLICATION/JSON` got 415).
 * Here any case is JSON, and invalid JSON is a plain 400 BAD_REQUEST that says what is wrong.
 */
export function useJsonParsing(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'GET') setRequestParser(parseGetParams);
      else if (request.method === 'POST' && JSON_TYPES.includes(mediaType(request)))
        setRequestParser(parseJsonBody);
    },
  };
}
