/**
 * The read path on the real enterprise 17.1 and 18.1 side by side: the headline query (groups of a
 * tactic, with the techniques that put them there) per release equals that release's raw STIX.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithBundles, type TestApp } from '../helpers/app.ts';
import { dataOf } from '../helpers/gql-data.ts';
import { attackIdOf, StixIndex } from '../helpers/stix.ts';

const RELEASES = ['17.1', '18.1'] as const;
let app: TestApp;
const stix = new Map<string, StixIndex>();

beforeAll(async () => {
  for (const r of RELEASES) stix.set(r, new StixIndex(`enterprise-attack-${r}`));
  app = await appWithBundles(RELEASES.map((r) => `enterprise-attack-${r}`));
});
afterAll(() => app?.close());

const HEADLINE = `query ($shortname: String!, $release: String) {
  tactic(shortname: $shortname, domain: ENTERPRISE, release: $release) {
    release
    groups(first: 1000) { totalCount edges { node { attackId } techniques { attackId } } }
  }
}`;

type Headline = {
  tactic: {
    release: string;
    groups: {
      totalCount: number;
      edges: { node: { attackId: string }; techniques: { attackId: string }[] }[];
    };
  };
};

/** [group ATT&CK ID, [its techniques in the tactic]] in the API's order, from one release's STIX. */
function expectedGroups(release: string, shortname: string) {
  const s = stix.get(release);
  if (!s) throw new Error(`no STIX for ${release}`);
  const groups = s.groupsUsing(s.techniquesInTactic(shortname), ['DIRECT']);
  return s.sorted(groups.keys()).map((g) => [attackIdOf(g), s.ids(s.sorted(groups.get(g.id) ?? []))]);
}

describe('the headline per release', () => {
  it.each(['credential-access', 'persistence', 'defense-evasion'])(
    '%s: the default is 18.1, release: "17.1" is 17.1, each as its raw STIX',
    async (shortname) => {
      const answers = new Map<string, unknown>();
      for (const release of [undefined, ...RELEASES]) {
        const data = dataOf(await app.gql<Headline>(HEADLINE, { shortname, release }));
        const at = release ?? '18.1';
        expect(data.tactic.release).toBe(at);
        const got = data.tactic.groups.edges.map((e) => [
          e.node.attackId,
          e.techniques.map((t) => t.attackId),
        ]);
        expect(got).toEqual(expectedGroups(at, shortname));
        answers.set(release ?? 'default', got);
      }
      expect(answers.get('default')).toEqual(answers.get('18.1'));
    },
  );

  it('the two releases differ for these tactics (else the test above proves nothing)', () => {
    const differs = ['credential-access', 'persistence', 'defense-evasion'].some(
      (t) => JSON.stringify(expectedGroups('17.1', t)) !== JSON.stringify(expectedGroups('18.1', t)),
    );
    expect(differs).toBe(true);
  });
});
