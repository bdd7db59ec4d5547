/**
 * One shape for what changed (src/change-log.ts): the change log the importer plans for a release
 * update reads back through the API's parsers unchanged, and its counts per kind add up.
 */
import { type GraphQLObjectType, getNamedType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS, countsByKind, summarize } from '../../src/change-log.ts';
import { changesOf, relationshipChangesOf, summaryOf } from '../../src/data/import-runs.ts';
import { schema } from '../../src/schema/index.ts';
import { bundlePath } from '../helpers/paths.ts';
import { emptyGraph, importInMemory, stageBundle } from '../helpers/stages.ts';

// ICS 17.1 -> 18.1 has objects added, modified (with version moves) and relationships changed.
const first = importInMemory(emptyGraph(), stageBundle(bundlePath('ics-attack-17.1')).rows).graph;
const { plan } = importInMemory(first, stageBundle(bundlePath('ics-attack-18.1')).rows);

describe('the change log', () => {
  it('is read back by the API as the importer wrote it', () => {
    expect(plan.changes.some((c) => c.change === 'modified' && c.versionChange)).toBe(true);
    expect(plan.relationshipChanges.length).toBeGreaterThan(0);
    // What load.ts records on the ImportRun, and what the API parses from it.
    expect(changesOf(JSON.stringify(plan.changes))).toEqual(plan.changes);
    expect(relationshipChangesOf(JSON.stringify(plan.relationshipChanges))).toEqual(plan.relationshipChanges);
    expect(summaryOf(JSON.stringify(summarize(plan.changes)))).toEqual(summarize(plan.changes));
  });

  it('counts each kind once, in the listed order, leaving out kinds without changes', () => {
    const counts = countsByKind(summarize(plan.changes));
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(plan.changes.length);
    for (const { change, count } of counts) {
      expect(count).toBe(plan.changes.filter((c) => c.change === change).length);
      expect(count).toBeGreaterThan(0);
    }
    const order = counts.map((c) => CHANGE_KINDS.indexOf(c.change));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(countsByKind({})).toEqual([]);
  });

  it('refuses a change of a kind it does not know', () => {
    expect(() => changesOf(JSON.stringify([{ ...plan.changes[0], change: 'renamed' }]))).toThrow();
    expect(() => summaryOf(JSON.stringify({ renamed: 1 }))).toThrow();
  });
});

describe('the public change types', () => {
  const field = (type: string, name: string) => {
    const f = (schema.getType(type) as GraphQLObjectType | undefined)?.getFields()[name];
    if (!f) throw new Error(`no field ${type}.${name}`);
    return f;
  };
  const typeOf = (type: string, name: string) => getNamedType(field(type, name).type).name;

  it('are one object change type and one count per kind, wherever changes are listed', () => {
    expect(typeOf('ImportRun', 'changes')).toBe('ObjectChange');
    expect(typeOf('ObjectChangeConnection', 'nodes')).toBe('ObjectChange');
    expect(typeOf('ChangeSet', 'changes')).toBe('ObjectChangeConnection');
    expect(typeOf('TechniqueChanges', 'change')).toBe('ObjectChange');
    expect(typeOf('ImportRun', 'summary')).toBe('ChangeCount');
    expect(typeOf('ChangeSet', 'counts')).toBe('ChangeCount');
    expect(schema.getType('ChangeEntry')).toBeUndefined();
  });

  it('pick the import run the same way in changes and techniqueChanges', () => {
    const runArgs = (name: string) =>
      field('Query', name)
        .args.filter((a) => a.name === 'domain' || a.name === 'runId')
        .map((a) => ({ name: a.name, type: String(a.type), default: a.defaultValue, about: a.description }));
    expect(runArgs('changes')).toHaveLength(2);
    expect(runArgs('techniqueChanges')).toEqual(runArgs('changes'));
  });
});
