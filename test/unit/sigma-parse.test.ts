/**
 * Sigma parsing without a database: the real rules, collections of several documents, and every kind
 * of bad input, each named by file, line and field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSigmaProblem, parseSigmaFiles } from '../../src/sigma/parse.ts';
import { parseTag } from '../../src/sigma/tags.ts';
import { SIGMA_DIR } from '../helpers/paths.ts';
import { rawRulesPerTechnique, readRawRules } from '../helpers/sigma-reference.ts';

const rule = (tags: string, extra = '') =>
  `title: A rule\nid: 0b5f8a4e-0000-4000-8000-000000000001\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n${tags}${extra}level: high\n`;

describe('the real rules', () => {
  const raw = readRawRules(SIGMA_DIR);
  const files = raw.map((r) => ({ path: r.path, text: readFileSync(path.join(SIGMA_DIR, r.path), 'utf8') }));
  const parsed = parseSigmaFiles(files);

  it('parse, one rule per file, with the techniques and tactics the raw tags name', () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules).toHaveLength(raw.length);
    expect(raw.length).toBe(349);
    const byPath = new Map(parsed.rules.map((r) => [r.path, r]));
    for (const r of raw) {
      const got = byPath.get(r.path);
      expect(got?.title, r.path).toBe(r.title);
      expect(got?.techniqueIds, r.path).toEqual([...r.techniques].sort());
      expect(got?.tacticShortnames, r.path).toEqual([...r.tactics].sort());
      expect(got?.level, r.path).toBe(r.level);
    }
    const perTechnique = new Map<string, number>();
    for (const r of parsed.rules)
      for (const t of r.techniqueIds) perTechnique.set(t, (perTechnique.get(t) ?? 0) + 1);
    expect(perTechnique).toEqual(rawRulesPerTechnique(raw));
  });

  it('reports the rules whose tags name no technique', () => {
    expect(parsed.noTechniqueTags.sort()).toEqual(
      raw
        .filter((r) => r.techniques.length === 0)
        .map((r) => r.path)
        .sort(),
    );
  });
});

describe('several documents in one file', () => {
  it('reads each rule, with a collection`s global fields merged in', () => {
    const text = `action: global\ntitle: Shared\nlogsource:\n  product: windows\ntags:\n  - attack.t1059.001\n---\nlogsource:\n  category: process_creation\ndetection:\n  a:\n    x: 1\n  condition: a\n---\ntitle: Second\nlogsource:\n  category: ps_script\ndetection:\n  b:\n    y: 2\n  condition: b\n`;
    const parsed = parseSigmaFiles([{ path: 'c.yml', text }]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.multiDocument).toEqual(['c.yml']);
    expect(parsed.rules.map((r) => [r.key, r.title, r.product, r.category, r.techniqueIds])).toEqual([
      ['c.yml#1', 'Shared', 'windows', 'process_creation', ['T1059.001']],
      ['c.yml#2', 'Second', 'windows', 'ps_script', ['T1059.001']],
    ]);
  });

  it('reports a rule with no ATT&CK tag', () => {
    const parsed = parseSigmaFiles([{ path: 'n.yml', text: rule('tags:\n  - car.2013-09-005\n') }]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.noAttackTags).toEqual(['n.yml']);
  });
});

describe('bad input: file, line and field', () => {
  const problems = (text: string) =>
    parseSigmaFiles([{ path: 'bad.yml', text }]).problems.map(formatSigmaProblem);

  it('a YAML file that is not a Sigma rule', () => {
    expect(problems('name: deploy\nsteps:\n  - run: make\n')).toEqual([
      'bad.yml:1: title: not a Sigma rule: missing title, logsource, detection (a Sigma rule has title, logsource and detection)',
    ]);
    expect(problems('- a\n- b\n')[0]).toMatch(/^bad\.yml:1: not a Sigma rule: expected a mapping/);
  });

  it('malformed tags, each at its line', () => {
    expect(problems(rule('tags:\n  - attack.t1003\n  - attack.t1003.1\n  - Attack.T1059\n  - 7\n'))).toEqual([
      'bad.yml:12: tags[1]: expected an ATT&CK ID tag attack.tNNNN, attack.tNNNN.NNN, attack.gNNNN or attack.sNNNN, got "attack.t1003.1"',
      'bad.yml:13: tags[2]: expected a lowercase tag namespace.value such as attack.t1003.001 or attack.credential-access, got "Attack.T1059"',
      'bad.yml:14: tags[3]: expected a tag such as attack.t1003.001, got number',
    ]);
    expect(problems(rule('tags: attack.t1003\n'))).toEqual(['bad.yml:10: tags: expected a list of tags']);
  });

  it('a field of the wrong kind or value, and YAML that does not parse', () => {
    expect(problems(rule('', 'status: maybe\n'))).toEqual([
      'bad.yml:10: status: expected one of stable, test, experimental, deprecated, unsupported, got "maybe"',
    ]);
    expect(problems('title: x\nlogsource: [\n')[0]).toMatch(/^bad\.yml:\d+: not valid YAML: /);
  });
});

describe('tags', () => {
  it('name techniques, groups, software and tactics (old underscores too)', () => {
    expect(parseTag('attack.t1003.001')).toEqual({ kind: 'technique', attackId: 'T1003.001' });
    expect(parseTag('attack.g0016')).toEqual({ kind: 'group', attackId: 'G0016' });
    expect(parseTag('attack.s0029')).toEqual({ kind: 'software', attackId: 'S0029' });
    expect(parseTag('attack.defense_evasion')).toEqual({ kind: 'tactic', shortname: 'defense-evasion' });
    expect(parseTag('cve.2026-54121')).toEqual({ kind: 'other' });
    expect(parseTag('attack.t10')).toHaveProperty('error');
  });
});
