import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { Context } from '../../context.ts';
import { resolveKeys } from '../../data/analytics/common.ts';
import {
  ATOMIC_FIELDS,
  type AtomicField,
  type AtomicTestRow,
  atomicTestsByTechnique,
  fetchAtomicTests,
  fetchTechniqueReleases,
  unknownIn,
} from '../../data/atomic.ts';
import { type NodeRow, nodeIdOf, type ReleaseArg } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { readsKeys } from '../selection.ts';
import { storedValue } from './complete.ts';
import { Technique } from './refs.ts';
import { releaseArg, withRelease } from './release.ts';

/*
 * Atomic Red Team tests (npm run import -- atomic:...). Tests name techniques by ATT&CK ID and are
 * joined to the release being read here, so every release's techniques find them.
 */

/** The AtomicTest fields an operation selects under `info`'s field (every field when unsure). */
export function selectedAtomicFields(info: GraphQLResolveInfo, below?: string): AtomicField[] {
  const names = new Set<string>();
  let unsure = false;
  const walk = (set: SelectionSetNode | undefined, depth: number) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        if (below && depth === 0) {
          if (s.name.value === below) walk(s.selectionSet, 1);
        } else names.add(s.name.value);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, depth);
      else {
        const fragment = info.fragments[s.name.value];
        if (fragment) walk(fragment.selectionSet, depth);
        else unsure = true;
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, 0);
  if (unsure) return [...ATOMIC_FIELDS];
  return ATOMIC_FIELDS.filter((f) => names.has(f));
}

/** One loader per request, platform and selection: the tests of each technique ID, batched. */
const testLoaders = createContextCache(
  (_ctx: Context) => new Map<string, DataLoader<string, AtomicTestRow[]>>(),
);
function testsLoader(ctx: Context, platform: string | null, fields: readonly AtomicField[]) {
  const loaders = testLoaders(ctx);
  const key = `${platform ?? ''}|${fields.join(',')}`;
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const byId = await atomicTestsByTechnique(ctx.db, ids, platform, fields);
      return ids.map((id) => byId.get(id) ?? []);
    });
    loaders.set(key, loader);
  }
  return loader;
}

/** A release's technique (its node id) for each `release|attackId`, one query per release read. */
const techniqueIdsOf = createContextCache(
  (ctx: Context) =>
    new DataLoader(
      async (keys: readonly string[]) => {
        const byRelease = new Map<string, string[]>();
        for (const k of keys) {
          const [release = '', id = ''] = k.split('|');
          byRelease.set(release, [...(byRelease.get(release) ?? []), id]);
        }
        const found = new Map<string, string>();
        await Promise.all(
          [...byRelease].map(async ([release, ids]) => {
            const rows = await fetchTechniqueStixIds(ctx, ids, release || null);
            for (const [id, ref] of rows) found.set(`${release}|${id}`, ref);
          }),
        );
        return keys.map((k) => found.get(k) ?? null);
      },
      { cacheKeyFn: (k) => k },
    ),
);

async function fetchTechniqueStixIds(ctx: Context, ids: string[], release: ReleaseArg) {
  const { byKey } = await resolveKeys(ctx.db, ids, ['Technique'], null, release);
  return new Map([...byKey].map(([id, stixId]) => [id, nodeIdOf({ stixId, release: release ?? null })]));
}

export const AtomicTest = builder.objectRef<AtomicTestRow>('AtomicTest').implement({
  description:
    'An Atomic Red Team test: one small, runnable exercise of a technique (imported with `npm run import -- atomic:<index>`).',
  fields: (t) => ({
    guid: t.exposeString('guid', {
      nullable: false,
      description: "The test's GUID, its identity in Atomic Red Team.",
    }),
    name: t.exposeString('name', { nullable: false, description: 'The test name.' }),
    techniqueId: t.exposeString('techniqueId', {
      nullable: false,
      description: 'The ATT&CK technique ID it exercises, as the index names it (ATT&CK v19 IDs occur).',
    }),
    techniqueName: t.exposeString('techniqueName', {
      nullable: false,
      description: 'The technique name, as the index gives it.',
    }),
    tactics: t.exposeStringList('tactics', {
      nullable: false,
      description: 'The tactic shortnames the index files it under (v19 names such as `stealth` occur).',
    }),
    testNumber: t.exposeInt('testNumber', {
      nullable: false,
      description: "Its number among the technique's tests (1, 2, ...).",
    }),
    executor: t.exposeString('executor', {
      nullable: false,
      description: 'How it runs: `powershell`, `command_prompt`, `sh`, `bash` or `manual`.',
    }),
    platforms: t.exposeStringList('platforms', {
      nullable: false,
      description: "Atomic's platform keys it runs on (`windows`, `linux`, `macos`, `iaas`, `azure-ad`...).",
    }),
    technique: t.field({
      type: Technique,
      nullable: true,
      description:
        'The technique in the release read (default: the newest); null when that release does not know the ID.',
      args: { ...releaseArg },
      resolve: (test, args, ctx) =>
        withRelease(ctx, args.release, () =>
          techniqueIdsOf(ctx).load(`${args.release ?? ''}|${test.techniqueId}`),
        ),
    }),
  }),
});

const UnknownTechniqueId = builder.simpleObject('AtomicUnknownTechnique', {
  description: 'A technique ID the content names that the release read does not know.',
  fields: (t) => ({
    id: t.string({ nullable: false, description: 'The ATT&CK ID, such as `T1685`.' }),
    knownIn: t.stringList({
      nullable: false,
      description: 'The imported releases that know it (empty: none).',
    }),
  }),
});

interface AtomicTestListShape {
  tests: AtomicTestRow[];
  unknown: { id: string; knownIn: string[] }[];
}

const AtomicTestList = builder.objectRef<AtomicTestListShape>('AtomicTestList').implement({
  description: 'Atomic tests that pass a filter.',
  fields: (t) => ({
    totalCount: t.int({ nullable: false, description: 'How many tests.', resolve: (l) => l.tests.length }),
    nodes: t.field({
      nullable: false,
      type: [AtomicTest],
      description: 'The tests, by technique ID then test number.',
      resolve: (l) => l.tests,
    }),
    unknownTechniques: t.field({
      nullable: false,
      type: [UnknownTechniqueId],
      description: "The tests' technique IDs the release read does not know, with the releases that do.",
      resolve: (l) => l.unknown,
    }),
  }),
});

const AtomicTestFilter = builder.inputType('AtomicTestFilter', {
  description: 'Which atomic tests to list; every given condition must hold.',
  fields: (t) => ({
    techniqueIds: t.stringList({
      required: false,
      description: 'Only tests of these technique IDs (exactly: no sub-techniques added).',
    }),
    platform: t.string({
      required: false,
      description:
        'Only tests that run on this platform: an ATT&CK name (`Windows`, `IaaS`) or an Atomic key (`windows`, `azure-ad`).',
    }),
    executor: t.string({
      required: false,
      description: 'Only tests with this executor (`powershell`, `sh`...).',
    }),
    tactic: t.string({
      required: false,
      description: 'Only tests filed under this tactic shortname.',
    }),
  }),
});

builder.queryField('atomicTests', (t) =>
  t.field({
    nullable: false,
    type: AtomicTestList,
    description:
      'The imported Atomic Red Team tests that pass `filter`, with the technique IDs the release (default: the newest) does not know.',
    args: {
      filter: t.arg({
        type: AtomicTestFilter,
        required: false,
        description: 'Which tests; all when absent.',
      }),
      ...releaseArg,
    },
    resolve: (_root, args, ctx, info) =>
      withRelease(ctx, args.release, async () => {
        const fields = selectedAtomicFields(info, 'nodes');
        const tests = await fetchAtomicTests(ctx.db, args.filter ?? {}, fields);
        const known = await fetchTechniqueReleases(ctx.db, [...new Set(tests.map((x) => x.techniqueId))]);
        return { tests, unknown: unknownIn(known, args.release ?? null) };
      }),
  }),
);

builder.objectFields(Technique, (t) => ({
  atomicTests: t.field({
    nullable: false,
    type: [AtomicTest],
    description:
      "The Atomic Red Team tests of exactly this technique (a parent lists its own, not its sub-techniques'), by test number.",
    args: {
      platform: t.arg.string({
        required: false,
        description:
          'Only tests that run on this platform: an ATT&CK name (`Windows`) or an Atomic key (`windows`).',
      }),
    },
    extensions: readsKeys('attackId'),
    resolve: async (row: NodeRow, args, ctx, info) => {
      const attackId = await storedValue(ctx, row, 'attackId');
      if (!attackId) return [];
      return testsLoader(ctx, args.platform ?? null, selectedAtomicFields(info)).load(attackId);
    },
  }),
}));
