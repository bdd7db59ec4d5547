/**
 * src/data/releases.ts without a database: the rows of a snapshot become a catalog, a shared node
 * is compared by its own domain's version, and release arguments are checked against the imported
 * releases. The queries themselves run against Neo4j in test/releases/api-*.test.ts.
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { catalogOf, checkDomainRelease, UNKNOWN_RELEASE } from '../../src/data/releases.ts';

const node = {
  stixId: 'intrusion-set--1',
  attackId: 'G0001',
  type: 'intrusion-set',
  name: 'Group',
  tactics: [],
  aliases: ['G'],
  revoked: false,
  deprecated: false,
  version: '1.2',
  modified: '2025-01-02T00:00:00.000Z',
  hash: 'ics-hash',
  versions: [
    'enterprise-attack 2024-01-01T00:00:00.000Z ent-hash',
    'ics-attack 2025-01-02T00:00:00.000Z ics-hash',
  ],
};

describe('catalogOf', () => {
  it("takes a shared node's content and date from its own domain's version", () => {
    const [o] = catalogOf('enterprise-attack', '18.1', [node], []).objects;
    expect(o).toMatchObject({ content: 'ent-hash', modified: '2024-01-01T00:00:00.000Z', aliases: ['G'] });
    const [i] = catalogOf('ics-attack', '18.1', [node], []).objects;
    expect(i).toMatchObject({ content: 'ics-hash', modified: '2025-01-02T00:00:00.000Z' });
    // Written before versions were recorded: the node's own hash stands for every domain.
    const [old] = catalogOf('mobile-attack', '18.1', [{ ...node, versions: [] }], []).objects;
    expect(old).toMatchObject({ content: 'ics-hash' });
  });

  it('sorts and dedupes tactics, and refuses a row of an unknown relationship type', () => {
    const technique = {
      ...node,
      type: 'attack-pattern',
      tactics: ['persistence', null, 'execution', 'execution'],
    };
    expect(catalogOf('enterprise-attack', '1', [technique], []).objects[0]?.tactics).toEqual([
      'execution',
      'persistence',
    ]);
    const rel = {
      key: 'relationship--1',
      type: 'LIKES',
      from: 'a',
      to: 'b',
      revoked: false,
      deprecated: false,
    };
    expect(() =>
      catalogOf('enterprise-attack', '1', [], [{ ...rel, modified: null, hash: null, versions: [] }]),
    ).toThrow();
  });
});

describe('checkDomainRelease', () => {
  const imported = [
    { domain: 'enterprise-attack', release: '17.1' },
    { domain: 'mobile-attack', release: '18.1' },
    { domain: 'enterprise-attack', release: '18.1' },
  ];
  const error = (
    release: string | null,
    domain: 'enterprise-attack' | 'ics-attack' = 'enterprise-attack',
  ) => {
    try {
      checkDomainRelease(imported, domain, release, 'from');
    } catch (e) {
      if (e instanceof GraphQLError) return e;
    }
    throw new Error('accepted');
  };

  it('accepts an imported release, and gives the newest of the domain for none', () => {
    expect(checkDomainRelease(imported, 'enterprise-attack', ' 17.1 ', 'from')).toBe('17.1');
    expect(checkDomainRelease(imported, 'enterprise-attack', null, 'to')).toBe('18.1');
  });

  it('refuses an unknown release, naming it and listing what is imported for the domain', () => {
    const e = error('16.1');
    expect(e.extensions).toMatchObject({
      code: UNKNOWN_RELEASE,
      argument: 'from',
      releases: ['17.1', '18.1'],
    });
    expect(e.message).toBe(
      'from: release "16.1" of enterprise-attack is not imported (imported for enterprise-attack: 17.1, 18.1)',
    );
    expect(error(null, 'ics-attack').message).toMatch(/no release of ics-attack is imported/);
  });
});
