/** The public schema against the code alone: no database. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isInterfaceType, isObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/env.ts';
import { schema } from '../../src/schema/index.ts';
import { objectTypeOf } from '../../src/schema/types/refs.ts';
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

describe('interface types', () => {
  const types = Object.values(schema.getTypeMap());

  // graphql-js calls an object type's isTypeOf for every object it completes, even under a field of
  // that very type: some 1,800 calls in one large analyst answer. Interfaces resolve by labels instead.
  it('leave object types without isTypeOf', () => {
    expect(types.filter((t) => isObjectType(t) && t.isTypeOf).map((t) => t.name)).toEqual([]);
  });

  it('resolve every ATT&CK object to the object type its labels name', () => {
    const attackObject = schema.getType('AttackObject');
    if (!isInterfaceType(attackObject)) throw new Error('AttackObject is not an interface');
    const implementations = schema.getPossibleTypes(attackObject).map((t) => t.name);
    expect(implementations.length).toBeGreaterThan(10);
    for (const name of implementations) {
      // Labels as the importer writes them: the shared ones, then the type's own (software adds `Software`).
      const labels = [
        'AttackObject',
        'Current',
        ...(['Malware', 'Tool'].includes(name) ? ['Software'] : []),
        name,
      ];
      expect(objectTypeOf({ stixId: `x--${name}`, nodeLabels: labels })).toBe(name);
    }
    expect(() => objectTypeOf({ stixId: 'x--1', nodeLabels: ['AttackObject'] })).toThrow(/x--1/);
  });
});
