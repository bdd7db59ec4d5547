import { randomUUID } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../http/metrics.ts';
import { requestStore } from '../http/request-context.ts';
import { routeLabel } from '../http/routes.ts';
import type { Logger } from '../logger.ts';
import { infoOf, requestInfo } from './request-info.ts';

/** A client's own request id is kept when it is short and plain; anything else is replaced. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET = new Set(['/health', '/ready', '/metrics']);

/**
 * Gives every request an id (X-Request-Id, kept or generated, echoed back), puts it on every log
 * line written while the request runs, and writes one access line per request: operation name,
 * outcome, status and time, never variables or headers.
 */
export function useRequestLog({ log, metrics }: { log: Logger; metrics: Metrics }): Plugin {
  return {
    onRequest({ request }) {
      const info = requestInfo(request);
      const given = request.headers.get('x-request-id');
      info.id = given && CLIENT_ID.test(given) ? given : randomUUID();
      requestStore.enterWith({ reqId: info.id });
    },
    onExecute({ args }) {
      const info = infoOf(args.contextValue);
      if (info) info.operation = getOperationAST(args.document, args.operationName)?.name?.value;
    },
    onParse({ context }) {
      return ({ result }) => {
        const info = infoOf(context);
        if (!info) return;
        if (result instanceof Error) info.outcome = 'rejected';
        else if (result && typeof result === 'object' && 'kind' in result) {
          // Named already here, so operations refused by validation are counted under their name.
          const operationName = (context as { params?: { operationName?: string } }).params?.operationName;
          info.operation = getOperationAST(result, operationName)?.name?.value;
        }
      };
    },
    onValidate({ context }) {
      return ({ valid }) => {
        const info = infoOf(context);
        if (info && !valid) info.outcome = 'rejected';
      };
    },
    onExecutionResult({ result, context }) {
      const info = infoOf(context);
      if (info && result && !(Symbol.asyncIterator in result)) {
        if (info.outcome !== 'rejected') info.outcome = result.errors?.length ? 'error' : 'ok';
      }
    },
    onResponse({ request, response }) {
      const info = requestInfo(request);
      if (!info.id) info.id = randomUUID();
      response.headers.set('x-request-id', info.id);
      const ms = performance.now() - info.start;
      const route = routeLabel(request);
      metrics.http(route, response.status, ms);
      const isGraphQL = route === '/graphql' && request.method !== 'OPTIONS';
      const html = response.headers.get('content-type')?.startsWith('text/html');
      if (isGraphQL && !html && info.cache !== 'not_modified') {
        const outcome = info.outcome ?? (response.status >= 400 ? 'rejected' : 'ok');
        metrics.operation(info.operation, outcome, ms);
        info.outcome = outcome;
      }
      const line = {
        reqId: info.id,
        method: request.method,
        route,
        status: response.status,
        ms: Math.round(ms * 10) / 10,
        client: info.client,
        operation: info.operation,
        outcome: info.outcome,
        cache: info.cache,
      };
      if (QUIET.has(route)) log.debug(line, 'request');
      else log.info(line, 'request');
    },
  };
}
