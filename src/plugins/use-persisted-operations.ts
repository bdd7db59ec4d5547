import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { z } from 'zod';
import type { Config } from '../env.ts';

const SHA256 = /^[0-9a-f]{64}$/;
const allowList = z.record(
  z.string().regex(SHA256, 'keys are sha256 hashes (64 hex digits)'),
  z.string().min(1),
);
/** Operations clients registered themselves (automatic persisted queries), most recent kept. */
const MAX_REGISTERED = 1_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads the allow-list file: `{ "<sha256 of the document>": "<document>" }`; checks every hash. */
export function readPersistedOperations(file: string): Map<string, string> {
  const parsed = allowList.parse(JSON.parse(readFileSync(file, 'utf8')));
  const out = new Map<string, string>();
  for (const [hash, document] of Object.entries(parsed)) {
    if (sha256(document) !== hash) throw new Error(`${file}: ${hash} is not the sha256 of its document`);
    out.set(hash, document);
  }
  return out;
}

function persistedHash(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)
    ?.persistedQuery;
  return pq?.version === 1 && typeof pq.sha256Hash === 'string' ? pq.sha256Hash : undefined;
}

/**
 * Persisted operations by sha256 hash (the Apollo `extensions.persistedQuery` shape): the
 * allow-list file's, and, unless only the allow-list is accepted, those clients register by
 * sending the hash with the document once (automatic persisted queries).
 */
export function usePersistedOperations(config: Config): Plugin[] {
  const { file, only } = config.persistedOperations;
  const listed = file ? readPersistedOperations(file) : new Map<string, string>();
  const registered = new Map<string, string>();

  const register: Plugin = {
    onParams({ params }) {
      const hash = persistedHash(params.extensions);
      if (!hash || !params.query || only) return;
      if (sha256(params.query) !== hash) {
        throw createGraphQLError('The persisted query hash is not the sha256 of the query.', {
          extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH', http: { status: 400 } },
        });
      }
      if (listed.has(hash) || registered.has(hash)) return;
      if (registered.size >= MAX_REGISTERED) {
        const oldest = registered.keys().next().value;
        if (oldest !== undefined) registered.delete(oldest);
      }
      registered.set(hash, params.query);
    },
  };
  return [
    register,
    useYogaPersistedOperations({
      allowArbitraryOperations: !only,
      getPersistedOperation: (hash) => listed.get(hash) ?? registered.get(hash) ?? null,
    }) as Plugin,
  ];
}
