/*
 * An emulation plan: an actor's techniques in kill-chain order, each with what the actor did
 * (procedure text, software) and what can exercise it (atomic tests) or should see it (detection
 * rules). Pure: the ordering and the Markdown a person reads; the reads live in src/data/emulation.ts.
 */

export interface PlanRef {
  attackId: string | null;
  name: string;
}

export interface PlanTest {
  guid: string;
  name: string;
  executor: string;
  testNumber: number;
}

export interface PlanRule {
  id: string;
  title: string;
  level: string | null;
}

export interface PlanStep {
  technique: PlanRef & { stixId: string };
  /** Tactic shortnames the technique is in, in kill-chain order. */
  tactics: string[];
  /** The kill-chain phase the step is placed under: its earliest tactic. */
  phase: string | null;
  /** What the actor did, from the `uses` relationship(s) (text with citations as ATT&CK writes it). */
  procedures: string[];
  /** The actor's software that performs the technique. */
  software: PlanRef[];
  tests: PlanTest[];
  rules: PlanRule[];
  /** No atomic test on the platform: the plan cannot exercise this step. */
  untested: boolean;
}

export interface PlanMeta {
  actor: PlanRef & { kind: 'GROUP' | 'CAMPAIGN' };
  platform: string | null;
  release: string;
}

/**
 * Steps by the position of their earliest tactic in `tacticOrder` (shortnames in matrix order),
 * then by ATT&CK ID; a technique with no known tactic goes last.
 */
export function orderSteps<T extends { tactics: string[]; technique: { attackId: string | null } }>(
  steps: readonly T[],
  tacticOrder: readonly string[],
): (T & { phase: string | null })[] {
  const rank = new Map(tacticOrder.map((s, i) => [s, i]));
  const position = (s: string) => rank.get(s) ?? Number.MAX_SAFE_INTEGER;
  return steps
    .map((s) => {
      const tactics = [...s.tactics].sort((a, b) => position(a) - position(b) || a.localeCompare(b));
      return { ...s, tactics, phase: tactics[0] ?? null };
    })
    .sort(
      (a, b) =>
        (a.phase === null ? Number.MAX_SAFE_INTEGER : position(a.phase)) -
          (b.phase === null ? Number.MAX_SAFE_INTEGER : position(b.phase)) ||
        (a.technique.attackId ?? '').localeCompare(b.technique.attackId ?? ''),
    );
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const refText = (r: PlanRef) => (r.attackId ? `${r.name} (${r.attackId})` : r.name);

/** The plan as Markdown for people: a summary, then one section per kill-chain phase. */
export function planMarkdown(meta: PlanMeta, steps: readonly PlanStep[]): string {
  const tested = steps.filter((s) => !s.untested).length;
  const lines = [
    `# Emulation plan: ${refText(meta.actor)}`,
    '',
    `- Platform: ${meta.platform ?? 'any'}`,
    `- ATT&CK release: ${meta.release}`,
    `- Techniques: ${steps.length}; with an atomic test: ${tested}; without: ${steps.length - tested}`,
  ];
  let phase: string | null | undefined;
  for (const s of steps) {
    if (s.phase !== phase) {
      phase = s.phase;
      lines.push('', `## ${phase ?? 'No tactic'}`);
    }
    lines.push('', `### ${refText(s.technique)}${s.untested ? ' (no atomic test)' : ''}`, '');
    for (const p of s.procedures) lines.push(`> ${cell(p)}`, '');
    if (s.software.length) lines.push(`Software: ${s.software.map(refText).join(', ')}`, '');
    if (s.tests.length) {
      lines.push('| # | Atomic test | Executor | GUID |', '|---|---|---|---|');
      for (const t of s.tests)
        lines.push(`| ${t.testNumber} | ${cell(t.name)} | ${t.executor} | \`${t.guid}\` |`);
      lines.push('');
    } else lines.push('No atomic test on this platform: exercise it by hand or leave it out.', '');
    if (s.rules.length) {
      lines.push(
        `Detection rules that should fire: ${s.rules.map((r) => `${cell(r.title)} (\`${r.id}\`${r.level ? `, ${r.level}` : ''})`).join('; ')}`,
        '',
      );
    }
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
