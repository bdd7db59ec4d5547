import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAtomic } from '../../import/atomic/index.ts';
import { importSigma } from '../../import/sigma/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { appWithBundles } from '../helpers/app.ts';
import { rawGuids, rawTestsByTechnique } from '../helpers/atomic.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { atomicDir, SIGMA_DIR } from '../helpers/paths.ts';
import { rawRulesPerTechnique, readRawRules } from '../helpers/sigma-reference.ts';
import { StixIndex } from '../helpers/stix.ts';

/*
 * The Atomic tests and emulation plans through GraphQL, against the real 18.1 bundle and the real
 * Atomic index; every expected answer is computed here from the raw STIX and the raw CSV.
 */

let app: TestApp;
let stix: StixIndex;
const BUNDLE = 'enterprise-attack-18.1';

beforeAll(async () => {
  app = await appWithBundles([BUNDLE]);
  await importAtomic(app.db.executor, atomicDir());
  await importSigma(app.db.executor, SIGMA_DIR, { maxBytes: app.db.config.import.maxBytes });
  stix = new StixIndex(BUNDLE);
  // A whole release's import on a loaded 2-core machine has taken over 300 s.
}, 900_000);
afterAll(() => app?.close());

const sortedSets = (m: Map<string, Set<string>>) =>
  Object.fromEntries(
    [...m].map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

describe('Technique.atomicTests and atomicTests', () => {
  it("lists each technique's Windows tests as windows-index.csv does, in one round trip per level", async () => {
    const raw = rawTestsByTechnique('windows-index.csv');
    const response = await app.gql<{
      techniques: { nodes: { attackId: string; atomicTests: { guid: string; executor: string }[] }[] };
    }>(`{ techniques(first: 1000, includeSubtechniques: true) {
          nodes { attackId atomicTests(platform: "Windows") { guid executor } } } }`);
    const { techniques } = dataOf(response);
    const got = new Map(
      techniques.nodes
        .filter((t) => t.atomicTests.length)
        .map((t) => [t.attackId, new Set(t.atomicTests.map((x) => x.guid))]),
    );
    const known = new Set(techniques.nodes.map((t) => t.attackId));
    const expected = new Map([...raw].filter(([id]) => known.has(id)));
    expect(sortedSets(got)).toEqual(sortedSets(expected));
    expect(response.extensions?.dbRoundTrips).toBeLessThanOrEqual(2);
  });

  it('lists the tests a filter keeps, with the technique IDs 18.1 does not know and the releases that do', async () => {
    const { atomicTests } = dataOf(
      await app.gql<{
        atomicTests: {
          totalCount: number;
          nodes: { techniqueId: string }[];
          unknownTechniques: { id: string; knownIn: string[] }[];
        };
      }>(
        `{ atomicTests(filter: { platform: "windows" }) { totalCount nodes { techniqueId } unknownTechniques { id knownIn } } }`,
      ),
    );
    expect(atomicTests.totalCount).toBe(rawGuids('windows-index.csv').size);
    const inBundle = new Set(stix.ofType('attack-pattern', true).map((t) => stix.attackIdById(t.id)));
    const unknown = [...rawTestsByTechnique('windows-index.csv').keys()]
      .filter((id) => !inBundle.has(id))
      .sort();
    expect(atomicTests.unknownTechniques).toEqual(unknown.map((id) => ({ id, knownIn: [] })));
  });

  it('joins a test to the release technique of its ID, or null when the release does not know it', async () => {
    const [known] = [...rawTestsByTechnique('index.csv').keys()].filter((id) =>
      stix.objects.some((o) => o.type === 'attack-pattern' && stix.attackIdById(o.id) === id),
    );
    const { atomicTests } = dataOf(
      await app.gql<{
        atomicTests: { nodes: { techniqueId: string; technique: { attackId: string } | null }[] };
      }>(
        `query ($ids: [String!]) { atomicTests(filter: { techniqueIds: $ids }) { nodes { techniqueId technique { attackId } } } }`,
        { ids: [known, 'T1685'] },
      ),
    );
    expect(new Set(atomicTests.nodes.map((n) => n.techniqueId))).toEqual(new Set([known, 'T1685']));
    for (const n of atomicTests.nodes)
      expect(n.technique?.attackId ?? null).toBe(n.techniqueId === 'T1685' ? null : known);
  });
});

interface Step {
  technique: { attackId: string };
  phase: string | null;
  tactics: string[];
  procedures: string[];
  software: { attackId: string }[];
  atomicTests: { guid: string; name: string; executor: string }[];
  detectionRules: { title: string }[];
  untested: boolean;
}
interface Plan {
  actorAttackId: string;
  steps: Step[];
  offPlatform: { attackId: string }[];
  markdown: string;
  layer: { techniques: { techniqueID: string; color?: string }[] };
}

const PLAN = `query ($group: String, $campaign: String, $platform: String) {
  emulationPlan(group: $group, campaign: $campaign, platform: $platform) {
    actorAttackId
    steps { technique { attackId } phase tactics procedures software { attackId } atomicTests { guid name executor } detectionRules { title } untested }
    offPlatform { attackId }
    markdown
    layer
  } }`;

describe('emulationPlan', () => {
  /** The actor's direct techniques split by whether their platforms include `platform`, from the raw STIX. */
  const expectedSplit = (type: string, actor: string, platform: string) => {
    const a = stix.byAttackId(type, actor);
    const used = stix.sorted(stix.actorTechniques(a.id, ['DIRECT']).keys());
    const on = used.filter((t) => (t.x_mitre_platforms ?? []).includes(platform));
    const off = used.filter((t) => !(t.x_mitre_platforms ?? []).includes(platform));
    return { a, on, off };
  };

  it("G0016 on Windows: exactly the group's techniques, each with the Windows index's tests, in kill-chain order", async () => {
    const { a, on, off } = expectedSplit('intrusion-set', 'G0016', 'Windows');
    const { emulationPlan: plan } = dataOf(
      await app.gql<{ emulationPlan: Plan }>(PLAN, { group: 'G0016', platform: 'Windows' }),
    );
    const ids = plan.steps.map((s) => s.technique.attackId);
    expect([...ids].sort()).toEqual(stix.ids(on).sort());
    expect(plan.offPlatform.map((t) => t.attackId).sort()).toEqual(stix.ids(off).sort());
    const windows = rawTestsByTechnique('windows-index.csv');
    const rules = rawRulesPerTechnique(readRawRules(SIGMA_DIR));
    expect(plan.steps.some((s) => s.detectionRules.length > 0)).toBe(true);
    for (const s of plan.steps) {
      expect(s.detectionRules.length, s.technique.attackId).toBe(rules.get(s.technique.attackId) ?? 0);
      const expected = [...(windows.get(s.technique.attackId) ?? [])].sort();
      expect(s.atomicTests.map((t) => t.guid).sort()).toEqual(expected);
      expect(s.untested).toBe(expected.length === 0);
      const t = stix.byAttackId('attack-pattern', s.technique.attackId);
      expect(s.procedures).toEqual([stix.relationship(a.id, 'uses', t.id)?.description]);
      // Software: the group's software that uses the technique itself.
      const software = stix
        .related(a.id, 'uses', 'out', ['malware', 'tool'])
        .filter((x) => stix.relationship(x.id, 'uses', t.id));
      expect(s.software.map((x) => x.attackId).sort()).toEqual(stix.ids(software).sort());
    }
    // Kill-chain order: phases follow the enterprise matrix's tactic order.
    const matrix = stix.ofType('x-mitre-matrix')[0];
    const order = (matrix?.tactic_refs ?? []).map((id) => stix.byId.get(id)?.x_mitre_shortname);
    const positions = plan.steps.map((s) => order.indexOf(s.phase ?? ''));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(plan.steps.some((s) => s.untested)).toBe(true);
    expect(plan.steps.some((s) => !s.untested)).toBe(true);
  });

  it('exports Markdown for people and a layer with tested and untested techniques coloured apart', async () => {
    const { emulationPlan: plan } = dataOf(
      await app.gql<{ emulationPlan: Plan }>(PLAN, { group: 'G0016', platform: 'Windows' }),
    );
    expect(plan.markdown).toMatch(/^# Emulation plan: APT29 \(G0016\)/);
    const tested = plan.steps.filter((s) => !s.untested);
    for (const s of plan.steps) expect(plan.markdown).toContain(`(${s.technique.attackId})`);
    for (const t of tested.flatMap((s) => s.atomicTests)) expect(plan.markdown).toContain(`\`${t.guid}\``);
    const colours = new Map<string, Set<string>>();
    for (const t of plan.layer.techniques)
      if (t.color) colours.set(t.techniqueID, (colours.get(t.techniqueID) ?? new Set()).add(t.color));
    const testedColour = new Set(tested.map((s) => [...(colours.get(s.technique.attackId) ?? [])].join()));
    const untestedColour = new Set(
      plan.steps.filter((s) => s.untested).map((s) => [...(colours.get(s.technique.attackId) ?? [])].join()),
    );
    expect(testedColour.size).toBe(1);
    expect(untestedColour.size).toBe(1);
    expect([...testedColour][0]).not.toBe([...untestedColour][0]);
  });

  it("plans a campaign's techniques the same way", async () => {
    const campaign = stix.ofType('campaign').find((c) => stix.actorTechniques(c.id, ['DIRECT']).size > 5);
    const id = campaign ? stix.attackIdById(campaign.id) : null;
    expect(id).toBeTruthy();
    const { on } = expectedSplit('campaign', id as string, 'Windows');
    const { emulationPlan: plan } = dataOf(
      await app.gql<{ emulationPlan: Plan }>(PLAN, { campaign: id, platform: 'Windows' }),
    );
    expect(plan.actorAttackId).toBe(id);
    expect(plan.steps.map((s) => s.technique.attackId).sort()).toEqual(stix.ids(on).sort());
  });

  it('answers null for an unknown group, and refuses both or neither actor', async () => {
    expect(dataOf(await app.gql<{ emulationPlan: null }>(PLAN, { group: 'G9999' })).emulationPlan).toBeNull();
    const both = await app.gql(PLAN, { group: 'G0016', campaign: 'C0001' });
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
