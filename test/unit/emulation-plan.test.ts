import { describe, expect, it } from 'vitest';
import { orderSteps, type PlanStep, planMarkdown } from '../../src/analytics/emulation-plan.ts';
import { emulationPlanLayer } from '../../src/navigator/emulation-layer.ts';
import { COLORS } from '../../src/navigator/layer.ts';

const ORDER = ['reconnaissance', 'initial-access', 'execution', 'persistence', 'credential-access'];

const step = (attackId: string, tactics: string[], tests: PlanStep['tests'] = []): PlanStep => ({
  technique: { stixId: `attack-pattern--${attackId}`, attackId, name: `Name of ${attackId}` },
  tactics,
  phase: null,
  procedures: [`[Group](https://x) did ${attackId} | with a pipe\nand a line break.`],
  software: [{ attackId: 'S0002', name: 'Mimikatz' }],
  tests,
  rules: [],
  untested: tests.length === 0,
});

describe('orderSteps', () => {
  it('places each step under its earliest tactic in matrix order, then by ATT&CK ID; no tactic last', () => {
    const steps = [
      step('T1003', ['credential-access']),
      step('T1059', ['execution']),
      step('T1078', ['persistence', 'initial-access']),
      step('T9999', []),
      step('T1053', ['execution', 'persistence']),
      step('T1595', ['reconnaissance']),
    ];
    const ordered = orderSteps(steps, ORDER);
    expect(ordered.map((s) => [s.technique.attackId, s.phase])).toEqual([
      ['T1595', 'reconnaissance'],
      ['T1078', 'initial-access'],
      ['T1053', 'execution'],
      ['T1059', 'execution'],
      ['T1003', 'credential-access'],
      ['T9999', null],
    ]);
    expect(ordered[1]?.tactics).toEqual(['initial-access', 'persistence']);
  });

  it('puts a tactic the matrix does not list (a newer release) after the known ones', () => {
    const ordered = orderSteps([step('T1685', ['stealth']), step('T1003', ['credential-access'])], ORDER);
    expect(ordered.map((s) => s.phase)).toEqual(['credential-access', 'stealth']);
  });
});

describe('planMarkdown', () => {
  const tests = [
    {
      guid: '93ca40d2-336c-446d-bcef-87f14d438018',
      name: 'Dump | LSASS',
      executor: 'powershell',
      testNumber: 1,
    },
  ];
  const steps = orderSteps(
    [step('T1003', ['credential-access'], tests), step('T1059', ['execution'])],
    ORDER,
  );
  const md = planMarkdown(
    { actor: { attackId: 'G0016', name: 'APT29', kind: 'GROUP' }, platform: 'Windows', release: '18.1' },
    steps,
  );

  it('has a summary, a section per phase in order, and each step with its tests or a note that it has none', () => {
    expect(md).toContain('# Emulation plan: APT29 (G0016)');
    expect(md).toContain('- Techniques: 2; with an atomic test: 1; without: 1');
    expect(md.indexOf('## execution')).toBeLessThan(md.indexOf('## credential-access'));
    expect(md).toContain('### Name of T1059 (T1059) (no atomic test)');
    expect(md).toContain('| 1 | Dump \\| LSASS | powershell | `93ca40d2-336c-446d-bcef-87f14d438018` |');
    expect(md).toContain('Software: Mimikatz (S0002)');
  });

  it('keeps procedure text on one quoted line, with table pipes escaped', () => {
    expect(md).toContain('> [Group](https://x) did T1003 \\| with a pipe and a line break.');
    expect(md).not.toMatch(/\n{3}/);
  });
});

describe('emulationPlanLayer', () => {
  it('colours tested techniques green and untested red, one entry per tactic', () => {
    const layer = emulationPlanLayer(
      { actor: 'G0016 APT29', platform: 'Windows', domain: 'enterprise-attack', attackVersion: '18.1' },
      [
        { attackId: 'T1003.001', parentAttackId: 'T1003', tactics: ['credential-access'], tests: 3 },
        { attackId: 'T1078', parentAttackId: null, tactics: ['initial-access', 'persistence'], tests: 0 },
      ],
    );
    const colours = layer.techniques.filter((t) => t.color).map((t) => [t.techniqueID, t.tactic, t.color]);
    expect(colours).toEqual(
      expect.arrayContaining([
        ['T1003.001', 'credential-access', COLORS.green],
        ['T1078', 'initial-access', COLORS.red],
        ['T1078', 'persistence', COLORS.red],
      ]),
    );
    expect(layer.name).toBe('G0016 APT29 emulation plan (Windows)');
  });
});
