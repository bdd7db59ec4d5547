/** Asking a GraphQL server for an answer and comparing normalised answers: the checks before timing. */
import { isDeepStrictEqual } from 'node:util';

/** A wrong answer or a failed check: the run stops, cleans up and exits non-zero. */
export class BenchFailure extends Error {}
export function fail(message: string): never {
  throw new BenchFailure(message);
}

export interface Answer {
  text: string;
  body: { data?: unknown; errors?: unknown; extensions?: { dbRoundTrips?: number } };
}

/** POSTs one operation; a non-2xx status or any GraphQL error fails the run. */
export async function graphqlAt(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  if (!res.ok || body.errors) fail(`${url}: GraphQL answered ${res.status}: ${text.slice(0, 2000)}`);
  return { text, body };
}

/** First place two normalised answers part, for the error message; '' when they are equal. */
export function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${at}.${k}`,
      );
      if (d) return d;
    }
  }
  return `${at}: GraphQL ${JSON.stringify(a)?.slice(0, 600)} vs Cypher ${JSON.stringify(b)?.slice(0, 600)}`;
}
