/** What changed between 17.1 and 18.1, against a diff of the two raw bundles. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { attackIdOf, type Obj, Reference } from '../helpers/reference.ts';

let app: TestApp;
let before: Reference;
let after: Reference;

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-17.1', 'enterprise-attack-18.1']);
  before = new Reference('enterprise-attack-17.1');
  after = new Reference('enterprise-attack-18.1');
}, 300_000);
afterAll(() => app?.close());

const NODE_TYPES = new Set([
  'x-mitre-tactic',
  'attack-pattern',
  'intrusion-set',
  'malware',
  'tool',
  'course-of-action',
  'campaign',
  'x-mitre-data-source',
  'x-mitre-data-component',
  'x-mitre-detection-strategy',
  'x-mitre-analytic',
  'x-mitre-asset',
  'x-mitre-matrix',
]);
const nodes = (r: Reference) =>
  new Map(r.objects.filter((o) => NODE_TYPES.has(o.type)).map((o) => [o.id, o]));

type Change = { change: string; stixId: string; versionChange: string | null };
async function changes(filter = ''): Promise<Change[]> {
  const result = await app.gql<{
    changes: { attackVersion: string; fromVersion: string; changes: { totalCount: number; nodes: Change[] } };
  }>(
    `{ changes${filter} { attackVersion fromVersion changes(first: 1000) { totalCount nodes { change stixId versionChange } } } }`,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data?.changes.attackVersion).toBe('18.1');
  expect(result.data?.changes.fromVersion).toBe('17.1');
  const all = result.data?.changes.changes.nodes ?? [];
  expect(all.length).toBe(Math.min(1000, result.data?.changes.changes.totalCount ?? 0));
  return all;
}

describe('changes between 17.1 and 18.1', () => {
  it('lists added, revoked, deprecated and removed objects as the bundles differ', async () => {
    const old = nodes(before);
    const now = nodes(after);
    const expected = {
      ADDED: [...now.keys()].filter((id) => !old.has(id)),
      REMOVED: [...old.keys()].filter((id) => !now.has(id)),
      REVOKED: [...now]
        .filter(([id, o]) => old.has(id) && o.revoked && !old.get(id)?.revoked)
        .map(([id]) => id),
      DEPRECATED: [...now]
        .filter(
          ([id, o]) => old.has(id) && o.x_mitre_deprecated && !old.get(id)?.x_mitre_deprecated && !o.revoked,
        )
        .map(([id]) => id),
    };
    for (const [kind, ids] of Object.entries(expected)) {
      const got = await changes(`(kinds: [${kind}])`);
      if (kind === 'ADDED') expect(got.length).toBe(Math.min(1000, ids.length));
      else expect(got.map((c) => c.stixId).sort()).toEqual(ids.sort());
    }
  });

  it('flags major version moves of modified techniques', async () => {
    const old = nodes(before);
    const major = (v: unknown) => String(v ?? '').split('.')[0];
    const expected = after.objects
      .filter((o) => o.type === 'attack-pattern' && old.has(o.id))
      .filter(
        (o) =>
          !(o.revoked && !old.get(o.id)?.revoked) &&
          !(o.x_mitre_deprecated && !old.get(o.id)?.x_mitre_deprecated),
      )
      .filter((o) => major(o.x_mitre_version) !== major(old.get(o.id)?.x_mitre_version))
      .map((o) => o.id);
    const got = await changes('(kinds: [MODIFIED], versionChanges: [MAJOR], stixTypes: ["attack-pattern"])');
    expect(got.map((c) => c.stixId).sort()).toEqual(expected.sort());
    expect(got.every((c) => c.versionChange === 'MAJOR')).toBe(true);
  });

  it("lists how a technique's detections and mitigations changed", async () => {
    const result = await app.gql<{
      techniqueChanges: {
        detections: { change: string; from: string }[];
        mitigations: { change: string; from: string }[];
      };
    }>('{ techniqueChanges(technique: "T1003") { detections { change from } mitigations { change from } } }');
    expect(result.errors).toBeUndefined();
    const relsTo = (r: Reference, kind: string) => {
      const t = r.byAttackId('attack-pattern', 'T1003');
      return new Map(
        r.objects
          .filter((o) => o.type === 'relationship' && o.relationship_type === kind && o.target_ref === t.id)
          // Changes name each end as the newest bundle does (17.1 data components had no ATT&CK IDs yet).
          .map((o) => [
            o.id,
            attackIdOf((after.byId.get(o.source_ref) ?? before.byId.get(o.source_ref)) as Obj),
          ]),
      );
    };
    for (const [kind, field] of [
      ['detects', 'detections'],
      ['mitigates', 'mitigations'],
    ] as const) {
      const old = relsTo(before, kind);
      const now = relsTo(after, kind);
      const got = result.data?.techniqueChanges[field] ?? [];
      const of = (change: string) =>
        got
          .filter((c) => c.change === change)
          .map((c) => c.from)
          .sort();
      expect(of('ADDED')).toEqual(
        [...now]
          .filter(([id]) => !old.has(id))
          .map(([, a]) => a)
          .sort(),
      );
      expect(of('REMOVED')).toEqual(
        [...old]
          .filter(([id]) => !now.has(id))
          .map(([, a]) => a)
          .sort(),
      );
    }
  });

  it('gives importRuns and changes one change type, with the same objects and counts', async () => {
    type Entry = { change: string; stixId: string; versionChange: string | null };
    type Count = { change: string; count: number };
    const result = await app.gql<{
      importRuns: { nodes: { runId: string; attackVersion: string; summary: Count[]; changes: Entry[] }[] };
    }>(
      `fragment Entry on ObjectChange { change stixId versionChange }
       { importRuns(domain: ENTERPRISE, first: 1) {
           nodes { runId attackVersion summary { change count } changes { ...Entry } } } }`,
    );
    expect(result.errors).toBeUndefined();
    const run = result.data?.importRuns.nodes[0];
    expect(run?.attackVersion).toBe('18.1');
    const all = run?.changes ?? [];
    const byKind = (entries: Entry[]) =>
      [...new Set(entries.map((c) => c.change))].sort().map((change) => ({
        change,
        count: entries.filter((c) => c.change === change).length,
      }));
    const sorted = (counts: Count[] = []) => [...counts].sort((a, b) => (a.change < b.change ? -1 : 1));
    // The summary the importer recorded counts the changes it listed.
    expect(sorted(run?.summary)).toEqual(byKind(all));

    const set = await app.gql<{
      changes: { runId: string; counts: Count[]; changes: { totalCount: number; nodes: Entry[] } };
    }>(
      `fragment Entry on ObjectChange { change stixId versionChange }
       query ($runId: String) { changes(runId: $runId) {
         runId counts { change count } changes(first: 1000) { totalCount nodes { ...Entry } } } }`,
      { runId: run?.runId },
    );
    expect(set.errors).toBeUndefined();
    expect(set.data?.changes.runId).toBe(run?.runId);
    expect(set.data?.changes.counts).toEqual(run?.summary);
    expect(set.data?.changes.changes.totalCount).toBe(all.length);
    const key = (c: Entry) => `${c.change} ${c.stixId} ${c.versionChange}`;
    const listed = new Set(all.map(key));
    for (const c of set.data?.changes.changes.nodes ?? []) expect(listed.has(key(c))).toBe(true);
  });

  it('refuses an unknown STIX type', async () => {
    const result = await app.gql('{ changes(stixTypes: ["nope"]) { runId } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
