import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { type AttackIds, attackIds, dataOf } from '../helpers/gql-data.ts';
import { StixIndex } from '../helpers/stix.ts';

const BUNDLES = ['enterprise-attack-18.1', 'mobile-attack-18.1', 'ics-attack-18.1'];
let app: TestApp;
let enterprise: StixIndex;
let mobile: StixIndex;
let ics: StixIndex;

beforeAll(async () => {
  [enterprise, mobile, ics] = BUNDLES.map((b) => new StixIndex(b)) as [StixIndex, StixIndex, StixIndex];
  app = await appWithBundles(BUNDLES);
});
afterAll(() => app?.close());

const tacticId = (stix: StixIndex, shortname: string) => stix.tacticAttackId(shortname);

describe('several domains in one graph', () => {
  it('tactic(shortname:, domain:) tells enterprise and mobile credential-access apart', async () => {
    const query = `query ($domain: Domain) { tactic(shortname: "credential-access", domain: $domain) {
      attackId domains groups(first: 1000) { nodes { attackId } } techniques(first: 1000, includeSubtechniques: true) { nodes { attackId } } } }`;
    type R = { tactic: { attackId: string; domains: string[]; groups: AttackIds; techniques: AttackIds } };
    for (const [domain, stix] of [
      ['ENTERPRISE', enterprise],
      ['MOBILE', mobile],
    ] as const) {
      const { tactic } = dataOf(await app.gql<R>(query, { domain }));
      expect(tactic.attackId).toBe(tacticId(stix, 'credential-access'));
      expect(tactic.domains).toEqual([domain]);
      expect(attackIds(tactic.techniques)).toEqual(stix.ids(stix.techniquesInTactic('credential-access')));
      const groups = stix.groupsUsing(stix.techniquesInTactic('credential-access'), ['DIRECT']);
      expect(attackIds(tactic.groups)).toEqual(stix.ids(stix.sorted(groups.keys())));
    }
    expect(tacticId(enterprise, 'credential-access')).not.toBe(tacticId(mobile, 'credential-access'));
  });

  it("tactics(domain:) follow each domain's current matrix", async () => {
    for (const [domain, stix] of [
      ['ENTERPRISE', enterprise],
      ['MOBILE', mobile],
      ['ICS', ics],
    ] as const) {
      const data = dataOf(
        await app.gql<{ tactics: { attackId: string }[] }>(`{ tactics(domain: ${domain}) { attackId } }`),
      );
      const matrix = stix.ofType('x-mitre-matrix')[0];
      expect(data.tactics.map((t) => t.attackId)).toEqual(
        (matrix?.tactic_refs ?? []).map((id) => stix.attackIdById(id)),
      );
    }
  });

  it("the domain filter keeps a multi-domain group's techniques to one domain", async () => {
    const shared = mobile.ofType('intrusion-set').filter((g) => enterprise.byId.has(g.id));
    expect(shared.length).toBeGreaterThan(0);
    for (const g of shared) {
      const data = dataOf(
        await app.gql<{ group: { domains: string[]; mobile: AttackIds; enterprise: AttackIds } }>(
          `query ($id: String!) { group(stixId: $id) { domains
             mobile: techniques(domain: MOBILE, first: 1000) { nodes { attackId } }
             enterprise: techniques(domain: ENTERPRISE, first: 1000) { nodes { attackId } } } }`,
          { id: g.id },
        ),
      );
      expect(data.group.domains).toEqual(expect.arrayContaining(['ENTERPRISE', 'MOBILE']));
      expect(attackIds(data.group.mobile)).toEqual(
        mobile.ids(mobile.related(g.id, 'uses', 'out', ['attack-pattern'])),
      );
      expect(attackIds(data.group.enterprise)).toEqual(
        enterprise.ids(enterprise.related(g.id, 'uses', 'out', ['attack-pattern'])),
      );
    }
  });

  it('ICS techniques target assets, and assets list their techniques', async () => {
    const data = dataOf(
      await app.gql<{
        techniques: { nodes: { attackId: string; stixId: string; targets: AttackIds }[] };
        assets: { nodes: { stixId: string; techniques: AttackIds }[] };
      }>(
        `{ techniques(domain: ICS, first: 1000) { nodes { attackId stixId targets(first: 1000) { nodes { attackId } } } }
           assets(domain: ICS, first: 1000) { nodes { stixId techniques(first: 1000) { nodes { attackId } } } } }`,
      ),
    );
    expect(data.techniques.nodes.map((t) => t.attackId)).toEqual(ics.ids(ics.ofType('attack-pattern')));
    for (const t of data.techniques.nodes) {
      expect(attackIds(t.targets)).toEqual(
        ics.ids(ics.related(t.stixId, 'targets', 'out', ['x-mitre-asset'])),
      );
    }
    expect(data.assets.nodes.map((a) => a.stixId)).toEqual(ics.ofType('x-mitre-asset').map((a) => a.id));
    for (const a of data.assets.nodes) {
      expect(attackIds(a.techniques)).toEqual(
        ics.ids(ics.related(a.stixId, 'targets', 'in', ['attack-pattern'])),
      );
    }
  });
});
