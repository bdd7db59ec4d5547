import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { JSON_TYPES, mediaType } from '../http/media-type.ts';
import { readLimited } from '../http/read-body.ts';

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

/** Yoga's own answer to a body over the limit, as its clients know it. */
function tooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } },
  });
}

/** A body's text, read no further than `maxBytes` (MAX_BODY_BYTES), or a 413. */
async function bodyText(request: Request, maxBytes: number): Promise<string> {
  const text = await readLimited(request, maxBytes);
  if (text === null) throw tooLarge();
  return text;
}

/** Reads a JSON POST body, within the body size limit. */
async function parseJsonBody(request: Request, maxBytes: number): Promise<GraphQLParams | GraphQLParams[]> {
  const body = parseJson(await bodyText(request, maxBytes), 'The request body');
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
 *
 * It also holds every body to MAX_BODY_BYTES, in place of Yoga's limit (`maxRequestBodySize`),
 * which piped each body through a web TransformStream into a new Request: a measurable share of a
 * small request's CPU. A JSON body is read here; any other body Yoga parses is read here first.
 */
export function useJsonParsing({ maxBodyBytes }: { maxBodyBytes: number }): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method === 'GET') setRequestParser(parseGetParams);
      else if (request.method === 'POST' && JSON_TYPES.includes(mediaType(request)))
        setRequestParser((r) => parseJsonBody(r, maxBodyBytes));
      else if (requestParser && request.body) {
        const parse = requestParser;
        setRequestParser(async (r) =>
          parse(
            new Request(r.url, {
              method: r.method,
              headers: r.headers,
              body: await bodyText(r, maxBodyBytes),
            }),
          ),
        );
      }
    },
  };
}
