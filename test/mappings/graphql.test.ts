/**
 * Control mappings over GraphQL, on the real enterprise 18.1 bundle and every real mapping file:
 * answers equal what the raw files say, joined to 18.1 the way the raw bundle says (revocations
 * followed, deprecated and unknown ids dropped), computed here from the JSON without our code.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSource } from '../../import/index.ts';
import { importMappings } from '../../import/mappings/index.ts';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { isRawMapping, rawCounts, rawEntries, rawMappingFiles, readRaw } from '../helpers/mapping-oracle.ts';
import { bundlePath, MAPPINGS_DIR } from '../helpers/paths.ts';

const NIST = 'nist_800_53-rev5_attack-16.1-enterprise.json';
const AWS = 'aws-12.12.2024_attack-16.1-enterprise.json';

interface StixObject {
  id: string;
  type: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  external_references?: { source_name: string; external_id?: string }[];
  relationship_type?: string;
  source_ref?: string;
  target_ref?: string;
}

/** How enterprise 18.1 answers for an ATT&CK id, straight from the bundle. */
function bundleOracle(bundle = 'enterprise-attack-18.1') {
  const { objects } = JSON.parse(readFileSync(bundlePath(bundle), 'utf8')) as {
    objects: StixObject[];
  };
  const byId = new Map(objects.map((o) => [o.id, o]));
  const attackIdOf = (o: StixObject) =>
    o.external_references?.find((r) => r.source_name === 'mitre-attack')?.external_id;
  const byAttackId = new Map<string, StixObject>();
  for (const o of objects)
    if (o.type === 'attack-pattern' && attackIdOf(o)) byAttackId.set(attackIdOf(o) as string, o);
  const revokedBy = new Map<string, string>();
  for (const o of objects)
    if (o.type === 'relationship' && o.relationship_type === 'revoked-by')
      revokedBy.set(o.source_ref as string, o.target_ref as string);
  mitigated = (mitigationId: string) => {
    const m = objects.find(
      (o) => o.type === 'course-of-action' && attackIdOf(o) === mitigationId && !o.revoked,
    );
    return objects
      .filter(
        (o) => o.type === 'relationship' && o.relationship_type === 'mitigates' && o.source_ref === m?.id,
      )
      .map((o) => byId.get(o.target_ref as string))
      .filter((t): t is StixObject => !!t && !t.revoked && !t.x_mitre_deprecated)
      .map((t) => attackIdOf(t) as string);
  };
  return (attackId: string): { now: string | null; reason: string } => {
    let o = byAttackId.get(attackId);
    if (!o) return { now: null, reason: 'unknown' };
    for (let hops = 0; o?.revoked && hops < 10; hops++) o = byId.get(revokedBy.get(o.id) ?? '');
    if (!o) return { now: null, reason: 'revoked' };
    if (o.x_mitre_deprecated) return { now: null, reason: 'deprecated' };
    const now = attackIdOf(o) as string;
    return { now, reason: now === attackId ? 'direct' : 'revocation' };
  };
}

let app: TestApp;
let oracle: ReturnType<typeof bundleOracle>;
/** The ATT&CK IDs of the active techniques a mitigation mitigates in 18.1, from the bundle. */
let mitigated: (mitigationId: string) => string[] = () => [];
beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-18.1']);
  await importMappings(app.db.executor, MAPPINGS_DIR);
  oracle = bundleOracle();
});
afterAll(() => app.close());

describe('frameworks', () => {
  it('lists every imported file with the raw counts, and the ids revocation followed or dropped in 18.1', async () => {
    const { data, errors } = await app.gql<{
      frameworks: {
        framework: string;
        domain: string;
        version: string;
        mappingCount: number;
        controlCount: number;
        techniqueCount: number;
        unmappableTechniques: string[];
        revocationFollowed: { attackId: string; now: string }[];
        dropped: { attackId: string; reason: string }[];
      }[];
    }>(`{ frameworks { framework domain version mappingCount controlCount techniqueCount unmappableTechniques
          revocationFollowed { attackId now } dropped { attackId reason } } }`);
    expect(errors).toBeUndefined();
    const expected = rawMappingFiles().map((file) => {
      const raw = rawCounts(file);
      const ids = [
        ...new Set(
          readRaw(file)
            .mapping_objects.filter(isRawMapping)
            .map((o) => o.attack_object_id as string),
        ),
      ].sort();
      const answers = ids.map((id) => ({ attackId: id, ...oracle(id) }));
      return {
        framework: raw.framework,
        domain: raw.domain,
        version: raw.version,
        mappingCount: raw.mappings,
        controlCount: raw.controls,
        techniqueCount: raw.techniques,
        unmappableTechniques: readRaw(file)
          .mapping_objects.filter((o) => !o.capability_id && o.attack_object_id)
          .map((o) => o.attack_object_id as string)
          .sort(),
        revocationFollowed: answers
          .filter((a) => a.reason === 'revocation')
          .map((a) => ({ attackId: a.attackId, now: a.now as string })),
        dropped: answers
          .filter((a) => a.reason !== 'revocation' && a.reason !== 'direct')
          .map((a) => ({ attackId: a.attackId, reason: a.reason })),
      };
    });
    const key = (r: { framework: string; domain: string }) => `${r.framework}|${r.domain}`;
    expect([...(data?.frameworks ?? [])].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    // The data holds both cases: mappings written for 16.1 name techniques revoked or gone since.
    const all = data?.frameworks ?? [];
    expect(all.some((f) => f.revocationFollowed.length > 0)).toBe(true);
    expect(all.some((f) => f.dropped.length > 0)).toBe(true);
  });
});

describe('control(framework:, id:)', () => {
  it('NIST AC-2 (asked as AC-02) lists the techniques the raw file maps it to, as 18.1 knows them', async () => {
    const { data, errors } = await app.gql<{
      control: {
        controlId: string;
        name: string;
        groupName: string;
        techniques: {
          totalCount: number;
          edges: {
            writtenFor: string;
            viaRevocation: string | null;
            mappingType: string;
            node: { attackId: string };
          }[];
        };
        dropped: { attackId: string; reason: string }[];
      };
    }>(`{ control(framework: "nist_800_53", id: "AC-02") { controlId name groupName
          techniques(first: 1000) { totalCount edges { writtenFor viaRevocation mappingType node { attackId } } }
          dropped { attackId reason } } }`);
    expect(errors).toBeUndefined();
    const control = data?.control;
    const raw = rawEntries(NIST, { control: 'AC-2' });
    expect(raw.length).toBeGreaterThan(10);
    expect(control).toMatchObject({
      controlId: 'AC-2',
      name: raw[0]?.capability_description,
      groupName: 'Access Control',
    });
    const kept = raw.filter((o) =>
      ['direct', 'revocation'].includes(oracle(o.attack_object_id as string).reason),
    );
    expect(control?.techniques.totalCount).toBe(kept.length);
    expect(
      control?.techniques.edges.map((e) => [e.writtenFor, e.node.attackId, e.viaRevocation]).sort(),
    ).toEqual(
      kept
        .map((o) => {
          const id = o.attack_object_id as string;
          const { now, reason } = oracle(id);
          return [id, now, reason === 'revocation' ? id : null];
        })
        .sort(),
    );
    expect(control?.techniques.edges.every((e) => e.mappingType === 'MITIGATES')).toBe(true);
    const dropped = [...new Set(raw.map((o) => o.attack_object_id as string))]
      .filter((id) => !['direct', 'revocation'].includes(oracle(id).reason))
      .map((id) => ({ attackId: id, reason: oracle(id).reason }));
    expect([...(control?.dropped ?? [])].sort((a, b) => a.attackId.localeCompare(b.attackId))).toEqual(
      dropped.sort((a, b) => a.attackId.localeCompare(b.attackId)),
    );
  });

  it('AC-2, ac-2 and AC-02 are one control; an unknown id is null', async () => {
    const { data } = await app.gql<Record<string, { controlId: string } | null>>(
      `{ a: control(framework: "nist_800_53", id: "AC-2") { controlId } b: control(framework: "nist_800_53", id: "ac-2") { controlId }
         c: control(framework: "nist_800_53", id: "ZZ-99") { controlId } }`,
    );
    expect(data).toEqual({ a: { controlId: 'AC-2' }, b: { controlId: 'AC-2' }, c: null });
  });
});

describe('Technique.controls and vulnerabilities', () => {
  it("T1078's AWS capabilities are the raw file's, with their scores", async () => {
    const { data, errors } = await app.gql<{
      technique: {
        controls: {
          totalCount: number;
          edges: {
            scoreCategory: string;
            scoreValue: string;
            viaRevocation: string | null;
            node: { controlId: string; framework: string };
          }[];
        };
      };
    }>(`{ technique(attackId: "T1078") { controls(framework: "aws", first: 1000) { totalCount
          edges { scoreCategory scoreValue viaRevocation node { controlId framework } } } } }`);
    expect(errors).toBeUndefined();
    const edges = data?.technique.controls.edges ?? [];
    const direct = edges.filter((e) => e.viaRevocation === null);
    const raw = rawEntries(AWS, { attackId: 'T1078' });
    expect(raw.length).toBeGreaterThan(5);
    expect(direct.map((e) => [e.node.controlId, e.scoreCategory, e.scoreValue]).sort()).toEqual(
      raw.map((o) => [o.capability_id, o.score_category, o.score_value]).sort(),
    );
    // Anything else came from a technique 18.1 says T1078 revoked.
    for (const e of edges.filter((x) => x.viaRevocation !== null))
      expect(oracle(e.viaRevocation as string).now).toBe('T1078');
    expect(edges.every((e) => e.node.framework === 'aws')).toBe(true);
  });

  it('vulnerabilities are the KEV CVEs mapped to T1190, batched over a list in one round trip per level', async () => {
    const { data, errors, extensions } = await app.gql<{
      techniques: {
        nodes: {
          attackId: string;
          vulnerabilities: { totalCount: number; nodes: { controlId: string }[] };
        }[];
      };
    }>(
      `{ techniques(first: 50) { nodes { attackId vulnerabilities(first: 1000) { totalCount nodes { controlId } } } } }`,
    );
    expect(errors).toBeUndefined();
    const kev = 'kev-07.28.2025_attack-16.1-enterprise.json';
    for (const t of data?.techniques.nodes ?? []) {
      const direct = rawEntries(kev, { attackId: t.attackId }).map((o) => o.capability_id as string);
      expect(t.vulnerabilities.nodes.map((n) => n.controlId)).toEqual(expect.arrayContaining(direct));
    }
    const t1190 = await app.gql<{ technique: { vulnerabilities: { nodes: { controlId: string }[] } } }>(
      `{ technique(attackId: "T1190") { vulnerabilities(first: 1000) { nodes { controlId } } } }`,
    );
    const cves = rawEntries(kev, { attackId: 'T1190' }).map((o) => o.capability_id as string);
    expect(cves.length).toBeGreaterThan(50);
    expect(t1190.data?.technique.vulnerabilities.nodes.map((n) => n.controlId).sort()).toEqual(cves.sort());
    // The techniques and their vulnerabilities: two levels, two round trips (plus the data version).
    expect(extensions?.dbRoundTrips).toBeLessThanOrEqual(3);
  });
});

describe('controlPlan', () => {
  it("covers APT28's techniques with NIST controls, each step adding what the raw file maps it to, and exports a layer", async () => {
    const { data, errors } = await app.gql<{
      controlPlan: {
        targetCount: number;
        coveredCount: number;
        target: { attackId: string }[];
        steps: {
          rank: number;
          addedCount: number;
          control: { controlId: string };
          added: { attackId: string }[];
        }[];
        uncovered: { attackId: string }[];
        unmapped: { attackId: string }[];
        layer: { techniques: { techniqueID: string; score?: number }[]; name: string };
      };
    }>(`{ controlPlan(framework: "nist_800_53", groups: ["G0007"], max: 100) { targetCount coveredCount
          target { attackId } steps { rank addedCount control { controlId } added { attackId } }
          uncovered { attackId } unmapped { attackId } layer } }`);
    expect(errors).toBeUndefined();
    const plan = data?.controlPlan;
    if (!plan) throw new Error('no plan');
    expect(plan.targetCount).toBeGreaterThan(50);
    // What the raw NIST file maps each target technique to, through 18.1's revocations.
    const raw = readRaw(NIST).mapping_objects.filter(isRawMapping);
    const controlsOf = new Map<string, Set<string>>();
    for (const o of raw) {
      const now = oracle(o.attack_object_id as string);
      if (now.reason !== 'direct' && now.reason !== 'revocation') continue;
      const id = (o.capability_id as string).replace(/-0+(\d)/, '-$1');
      controlsOf.set(now.now as string, (controlsOf.get(now.now as string) ?? new Set()).add(id));
    }
    const target = plan.target.map((t) => t.attackId);
    expect(plan.unmapped.map((t) => t.attackId).sort()).toEqual(
      target.filter((t) => !controlsOf.has(t)).sort(),
    );
    // With room for every step, the plan covers every mapped target technique, each once.
    expect(plan.uncovered).toEqual(plan.unmapped);
    const added = plan.steps.flatMap((s) => s.added.map((t) => t.attackId));
    expect(new Set(added).size).toBe(added.length);
    expect(added.sort()).toEqual(target.filter((t) => controlsOf.has(t)).sort());
    expect(plan.coveredCount).toBe(added.length);
    for (const step of plan.steps)
      for (const t of step.added) expect(controlsOf.get(t.attackId)?.has(step.control.controlId)).toBe(true);
    // Greedy: no step adds more than the one before it.
    for (let i = 1; i < plan.steps.length; i++)
      expect(plan.steps[i]?.addedCount).toBeLessThanOrEqual(plan.steps[i - 1]?.addedCount ?? 0);
    expect(plan.layer.name).toBe('nist_800_53 control plan');
    expect(plan.layer.techniques.filter((t) => t.score !== undefined).map((t) => t.techniqueID)).toEqual(
      expect.arrayContaining(added),
    );
  });
});

describe('Mitigation.derivedControls', () => {
  it('ranks NIST controls by the techniques they share with M1032, as the raw files say, labelled derived', async () => {
    const { data, errors } = await app.gql<{
      mitigation: {
        derivedControls: {
          totalCount: number;
          edges: {
            derived: boolean;
            sharedCount: number;
            sharedTechniqueIds: string[];
            mitigationTechniqueCount: number;
            node: { controlId: string };
          }[];
        };
      };
    }>(`{ mitigation(attackId: "M1032") { derivedControls(framework: "nist_800_53", first: 1000) { totalCount
          edges { derived sharedCount sharedTechniqueIds mitigationTechniqueCount node { controlId } } } } }`);
    expect(errors).toBeUndefined();
    const techniques = new Set(mitigated('M1032'));
    expect(techniques.size).toBeGreaterThan(10);
    const shared = new Map<string, Set<string>>();
    for (const o of readRaw(NIST).mapping_objects.filter(isRawMapping)) {
      const { now } = oracle(o.attack_object_id as string);
      if (!now || !techniques.has(now)) continue;
      const id = (o.capability_id as string).replace(/-0+(\d)/, '-$1');
      shared.set(id, (shared.get(id) ?? new Set()).add(now));
    }
    const edges = data?.mitigation.derivedControls.edges ?? [];
    expect(Object.fromEntries(edges.map((e) => [e.node.controlId, e.sharedTechniqueIds]))).toEqual(
      Object.fromEntries([...shared].map(([id, set]) => [id, [...set].sort()])),
    );
    expect(edges.every((e) => e.derived && e.mitigationTechniqueCount === techniques.size)).toBe(true);
    for (let i = 1; i < edges.length; i++)
      expect(edges[i]?.sharedCount).toBeLessThanOrEqual(edges[i - 1]?.sharedCount ?? 0);
  });
});

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('downloads', () => {
  it('/controls/nist_800_53/AC-02.json is AC-2 with the techniques the raw file maps it to', async () => {
    const response = await app.yoga.fetch('http://test/controls/nist_800_53/AC-02.json');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      controlId: string;
      techniques: { edges: { node: { attackId: string } }[] };
    };
    expect(body.controlId).toBe('AC-2');
    const expected = rawEntries(NIST, { control: 'AC-2' })
      .map((o) => oracle(o.attack_object_id as string).now)
      .filter((x): x is string => x !== null);
    expect(body.techniques.edges.map((e) => e.node.attackId).sort()).toEqual(expected.sort());
    expect((await app.yoga.fetch('http://test/controls/nist_800_53/ZZ-99.json')).status).toBe(404);
  });

  it('/controls/aws.csv lists every AWS mapping that 18.1 can answer for, with technique names', async () => {
    const response = await app.yoga.fetch('http://test/controls/aws.csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = parseCsv(await response.text());
    expect(header?.slice(0, 8)).toEqual([
      'control_id',
      'control_name',
      'control_group',
      'mapping_type',
      'score_category',
      'score_value',
      'technique_id',
      'technique_name',
    ]);
    const kept = readRaw(AWS)
      .mapping_objects.filter(isRawMapping)
      .filter((o) => oracle(o.attack_object_id as string).now !== null);
    expect(rows).toHaveLength(kept.length);
    const col = (name: string) => header?.indexOf(name) ?? -1;
    const t1078 = rows.filter((r) => r[col('technique_id')] === 'T1078' && r[col('via_revocation')] === '');
    expect(t1078.map((r) => `${r[col('control_id')]} ${r[col('score_category')]}`).sort()).toEqual(
      rawEntries(AWS, { attackId: 'T1078' })
        .map((o) => `${o.capability_id} ${o.score_category}`)
        .sort(),
    );
    expect(t1078.every((r) => r[col('technique_name')] === 'Valid Accounts')).toBe(true);
  });
});

describe('an ATT&CK release imported after the mappings', () => {
  it('answers for it at once, with no re-link: AC-2 in 17.1 is what the 17.1 bundle says; 18.1 is unchanged', async () => {
    const query = `query ($release: String) { control(framework: "nist_800_53", id: "AC-2", release: $release) {
      techniques(first: 1000) { edges { writtenFor viaRevocation node { attackId } } } dropped { attackId reason } } }`;
    type Answer = {
      control: { techniques: { edges: { node: { attackId: string } }[] }; dropped: { attackId: string }[] };
    };
    const before = await app.gql<Answer>(query, {});
    await importSource(app.db.executor, bundlePath('enterprise-attack-17.1'));
    const older = bundleOracle('enterprise-attack-17.1');
    const raw = rawEntries(NIST, { control: 'AC-2' });
    const { data, errors } = await app.gql<Answer>(query, { release: '17.1' });
    expect(errors).toBeUndefined();
    expect(data?.control.techniques.edges.map((e) => e.node.attackId).sort()).toEqual(
      raw
        .map((o) => older(o.attack_object_id as string).now)
        .filter((x): x is string => x !== null)
        .sort(),
    );
    expect(await app.gql<Answer>(query, {})).toEqual(before);
  });
});
