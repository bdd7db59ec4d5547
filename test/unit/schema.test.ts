/** The public schema against the code alone: no database. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/env.ts';
import { schema } from '../../src/schema/index.ts';
import { undescribed } from '../helpers/schema.ts';

describe('schema.graphql', () => {
  it('is the printed, sorted schema of the code (run `npm run schema:print` after a change)', async () => {
    const committed = await readFile(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8');
    expect(committed).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it('describes every type, field and argument', () => {
    expect(undescribed(schema)).toEqual([]);
  });
});
