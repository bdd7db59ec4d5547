import { z } from 'zod';

/**
 * The most words a full-text search may hold. Lucene refuses a query of more than 1,024 clauses,
 * and the index (`attack_object_search`) matches every word in each of its three properties (name,
 * aliases, description): 341 words is the most Neo4j accepts. 300 leaves room for words the
 * tokenizer splits further than `searchWords` counts.
 */
export const MAX_SEARCH_WORDS = 300;

/**
 * How many words Lucene's standard tokenizer can make of `text`, counted high rather than low:
 * every run of letters or digits, and every ideograph or kana (each is a word of its own).
 */
export function searchWords(text: string): number {
  return (
    text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu)?.length ?? 0
  );
}

/** Validates every full-text argument before the database is asked; the message states the limit. */
export const searchText = z.string().refine((text) => searchWords(text) <= MAX_SEARCH_WORDS, {
  error: (issue) =>
    `at most ${MAX_SEARCH_WORDS} words can be searched for (got ${searchWords(String(issue.input))})`,
});
