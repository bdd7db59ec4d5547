/**
 * releaseDiff and migrate over GraphQL on the real bundles, imported side by side once for the whole
 * file (enterprise 6.3, 17.1, 18.1): the catalogs come from the release snapshots in Neo4j, and each
 * answer is checked against what the import run recorded or what the raw JSON says.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relationshipChangesOf } from '../../src/data/import-runs.ts';
import { catalogFromBundle, releaseDiff } from '../../src/releases/index.ts';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { expectedOutcomes, type Raw } from '../helpers/migration-oracle.ts';
import { bundlePath } from '../helpers/paths.ts';
import { attackIdOf } from '../helpers/stix.ts';

let app: TestApp;

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-6.3', 'enterprise-attack-17.1', 'enterprise-attack-18.1']);
}, 900_000);
afterAll(() => app?.close());

const rawOf = (name: string) =>
  (JSON.parse(readFileSync(bundlePath(name), 'utf8')) as { objects: Raw[] }).objects;

interface Change {
  change: string;
  stixId: string;
}
interface RelChange {
  change: string;
  key: string;
  from: string;
  to: string;
}

describe('releaseDiff over GraphQL', () => {
  it('17.1 -> 18.1 agrees with the change set the import of 18.1 recorded (the next-older release is 17.1)', async () => {
    const runs = await app.gql<{
      importRuns: { nodes: { attackVersion: string; changes: Change[] }[] };
    }>(`{ importRuns(domain: ENTERPRISE, first: 10) { nodes { attackVersion changes { change stixId } } } }`);
    expect(runs.errors).toBeUndefined();
    const run = runs.data?.importRuns.nodes.find((r) => r.attackVersion === '18.1');
    expect(run?.changes.length).toBeGreaterThan(1000);

    const res = await app.gql<{
      releaseDiff: {
        from: string;
        to: string;
        objects: Change[];
        relationships: RelChange[];
        counts: { byKind: { change: string; count: number }[]; relationshipsAdded: number };
      };
    }>(`{ releaseDiff(domain: ENTERPRISE, from: "17.1", to: "18.1") {
        from to objects { change stixId } relationships { change key from to }
        counts { byKind { change count } relationshipsAdded } } }`);
    expect(res.errors).toBeUndefined();
    const diff = res.data?.releaseDiff;
    const objects = (list: Change[]) => list.map((c) => `${c.stixId} ${c.change}`).sort();
    expect(objects(diff?.objects ?? [])).toEqual(objects(run?.changes ?? []));
    const kinds = new Map<string, number>();
    for (const c of run?.changes ?? []) kinds.set(c.change, (kinds.get(c.change) ?? 0) + 1);
    expect(new Map(diff?.counts.byKind.map((k) => [k.change, k.count]))).toEqual(kinds);
    expect(diff?.counts.relationshipsAdded).toBe(
      diff?.relationships.filter((r) => r.change === 'ADDED').length,
    );
    // The run's relationship changes are not in the schema: read as the importer recorded them. Links
    // the data implies (keys built from their ends) show in a release diff as object changes instead.
    const [recorded] = await app.db.executor.read({
      name: 'test.runRelationshipChanges',
      cypher: "MATCH (r:ImportRun {attackVersion: '18.1'}) RETURN r.relationshipChangesJson AS json",
    });
    const logged = relationshipChangesOf(recorded?.json as string);
    const stix = (list: RelChange[], change: string) =>
      list
        .filter((r) => r.change.toLowerCase() === change && !r.key.includes('|'))
        .map((r) => `${r.key} ${r.from} ${r.to}`)
        .sort();
    for (const change of ['added', 'removed', 'modified'])
      expect(stix(diff?.relationships ?? [], change)).toEqual(stix(logged, change));
    expect(logged.length).toBeGreaterThan(100);
  }, 120_000);

  it('names the same techniques gained and lost by APT29 since 6.3 as the pure diff of the raw bundles', async () => {
    const pure = releaseDiff(
      catalogFromBundle({ type: 'bundle', objects: rawOf('enterprise-attack-6.3') }, '6.3'),
      catalogFromBundle({ type: 'bundle', objects: rawOf('enterprise-attack-18.1') }, '18.1'),
      { group: 'APT29' },
    ).focus?.techniques;
    const res = await app.gql<{
      releaseDiff: {
        focus: {
          subject: { attackId: string };
          techniques: {
            gained: { technique: { stixId: string }; reason: string }[];
            lost: { technique: { stixId: string }; reason: string }[];
          };
        };
      };
    }>(`{ releaseDiff(from: "6.3", to: "18.1", focus: {group: "APT29"}) { focus {
        subject { attackId }
        techniques { gained { technique { stixId } reason } lost { technique { stixId } reason } } } } }`);
    expect(res.errors).toBeUndefined();
    const focus = res.data?.releaseDiff.focus;
    expect(focus?.subject.attackId).toBe('G0016');
    const entries = (list: { technique: { stixId: string }; reason: string }[] | undefined) =>
      (list ?? []).map((e) => `${e.technique.stixId} ${e.reason.toLowerCase().replace(/_/g, '-')}`).sort();
    expect(entries(focus?.techniques.lost)).toEqual(entries(pure?.lost));
    expect(entries(focus?.techniques.gained)).toEqual(entries(pure?.gained));
    expect(entries(focus?.techniques.gained).length + entries(focus?.techniques.lost).length).toBeGreaterThan(
      0,
    );
  }, 120_000);
});

describe('migrate every technique ID of enterprise 6.3 to 18.1 over GraphQL', () => {
  it('gives each the outcome the raw 18.1 revoked-by relationships, deprecations and tactics give', async () => {
    const [oldRaw, newRaw] = [rawOf('enterprise-attack-6.3'), rawOf('enterprise-attack-18.1')];
    const techniques = oldRaw.filter((o) => o.type === 'attack-pattern');
    const ids = techniques.map((t) => attackIdOf(t) as string);
    const res = await app.gql<{
      migrate: { item: string; outcome: string; to: { attackId: string }[]; chain: { attackId: string }[] }[];
    }>(
      `query M($items: [String!]!) { migrate(domain: ENTERPRISE, from: "6.3", to: "18.1", items: $items) {
        item outcome to { attackId } chain { attackId } } }`,
      { items: ids },
    );
    expect(res.errors).toBeUndefined();
    const got = res.data?.migrate ?? [];
    const expected = expectedOutcomes(techniques, oldRaw, newRaw);
    expect(
      got.map((m) => [m.item, m.outcome.toLowerCase().replace(/_/g, '-'), m.to.map((r) => r.attackId)]),
    ).toEqual(expected.map((e, i) => [ids[i], e.outcome, e.to]));
    expect(got.map((m) => m.chain.length)).toEqual(expected.map((e) => e.hops));
    // The data has each case this test is about: revocations, chains of two hops, deprecations.
    const outcomes = new Set(got.map((m) => m.outcome));
    for (const o of ['REPLACED', 'DEPRECATED', 'UNCHANGED']) expect(outcomes).toContain(o);
    expect(expected.some((e) => e.hops === 2)).toBe(true);
  }, 120_000);
});

describe('releases that are not imported', () => {
  it('are refused with UNKNOWN_RELEASE, naming the release and listing the imported ones', async () => {
    for (const [from, to, bad] of [
      ['16.1', '18.1', '16.1'],
      ['17.1', '19.2', '19.2'],
    ]) {
      const res = await app.gql(
        `query D($from: String!, $to: String) { releaseDiff(from: $from, to: $to) { from } }`,
        {
          from,
          to,
        },
      );
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'UNKNOWN_RELEASE',
        releases: ['6.3', '17.1', '18.1'],
      });
      expect(res.errors?.[0]?.message).toContain(`release "${bad}" of enterprise-attack is not imported`);
    }
    const mobile = await app.gql(`{ migrate(domain: MOBILE, from: "18.1", items: ["T1003"]) { outcome } }`);
    expect(mobile.errors?.[0]?.extensions).toMatchObject({ code: 'UNKNOWN_RELEASE', releases: [] });
    expect(mobile.errors?.[0]?.message).toMatch(/no release of mobile-attack is imported/);
  });
});
