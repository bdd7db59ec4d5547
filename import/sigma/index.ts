import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Executor, WriteTx } from '../../src/neo4j/executor.ts';
import { compareReleases, newestRelease } from '../../src/releases/order.ts';
import {
  formatSigmaProblem,
  parseSigmaFiles,
  type SigmaProblem,
  type SigmaRule,
} from '../../src/sigma/parse.ts';
import { ImportError } from '../errors.ts';
import { ensureSchema } from '../graph-schema.ts';
import {
  SIGMA_CURRENT_RELEASE,
  SIGMA_DELETE_RULES,
  SIGMA_EXISTING,
  SIGMA_KNOWN_TACTICS,
  SIGMA_KNOWN_TECHNIQUES,
  SIGMA_LOCK,
  SIGMA_PACKS,
  SIGMA_RECORD_RUN,
  SIGMA_REMOVE_PACK,
  SIGMA_SCHEMA,
  SIGMA_UPSERT_RULES,
  SIGMA_WRITE_PACK,
} from './cypher.ts';
import { readSigmaPack } from './read.ts';

/*
 * `npm run import -- sigma:<dir | file.yml | pack.zip>`: read -> parse (src/sigma, pure) -> diff
 * against the pack in the graph -> write in one transaction. A pack is its whole truth: rules gone
 * from it are deleted. Nothing is written when any file is refused, or when nothing changed.
 */

/** An ID the tags name, and the imported releases that know it (none: no imported release does). */
export interface UnknownId {
  id: string;
  releases: string[];
}

export interface SigmaImportReport {
  kind: 'sigma';
  pack: string;
  source: string;
  sha256: string;
  files: number;
  rules: number;
  added: number;
  modified: number;
  removed: number;
  changed: boolean;
  runId: string | null;
  multiDocument: string[];
  noAttackTags: string[];
  noTechniqueTags: string[];
  /** The release the unknown IDs were checked against (the default one); null with no ATT&CK. */
  release: string | null;
  unknownTechniques: UnknownId[];
  unknownTactics: UnknownId[];
  /** Rules per technique ID, as the tags name them (known and unknown). */
  rulesPerTechnique: Record<string, number>;
}

/** Files refused (not Sigma, malformed tags, bad YAML): every problem, each naming file, line, field. */
export class InvalidRulesError extends ImportError {
  override name = 'InvalidRulesError';
  constructor(
    readonly source: string,
    readonly problems: SigmaProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${formatSigmaProblem(p)}`);
    const more = problems.length > shown.length ? [`  … and ${problems.length - shown.length} more`] : [];
    super(`${source}: ${problems.length} problem(s); nothing written\n${[...shown, ...more].join('\n')}`);
  }
}

class Unchanged extends Error {}

const knownRow = z.object({ id: z.string(), releases: z.array(z.string()), current: z.boolean() });
const existingRow = z.object({
  sha256: z.string().nullable(),
  held: z.boolean(),
  rules: z.array(z.object({ key: z.string().nullable(), hash: z.string().nullable() })),
});

const hashOf = (rule: SigmaRule) => createHash('sha256').update(JSON.stringify(rule)).digest('hex');

async function unknownIds(
  tx: WriteTx,
  ids: string[],
  query: typeof SIGMA_KNOWN_TACTICS,
): Promise<UnknownId[]> {
  if (ids.length === 0) return [];
  const rows = (await tx.run(query, { ids })).map((r) => knownRow.parse(r));
  return rows
    .filter((r) => !r.current)
    .map((r) => ({ id: r.id, releases: [...new Set(r.releases)].sort(compareReleases) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export interface SigmaImportOptions {
  maxBytes: number;
  /** The pack's name; default the folder's or file's name. */
  pack?: string;
}

export async function importSigma(
  executor: Executor,
  location: string,
  options: SigmaImportOptions,
): Promise<SigmaImportReport> {
  const pack = await readSigmaPack(location, options.maxBytes, options.pack);
  const parsed = parseSigmaFiles(pack.files);
  if (parsed.problems.length) throw new InvalidRulesError(pack.source, parsed.problems);
  await ensureSchema(executor, SIGMA_SCHEMA);
  const rows = parsed.rules.map((rule) => ({ ...rule, pack: pack.name, hash: hashOf(rule) }));
  const perTechnique: Record<string, number> = {};
  for (const rule of parsed.rules)
    for (const id of rule.techniqueIds) perTechnique[id] = (perTechnique[id] ?? 0) + 1;
  const report: SigmaImportReport = {
    kind: 'sigma',
    pack: pack.name,
    source: pack.source,
    sha256: pack.sha256,
    files: pack.files.length,
    rules: rows.length,
    added: 0,
    modified: 0,
    removed: 0,
    changed: false,
    runId: null,
    multiDocument: parsed.multiDocument,
    noAttackTags: parsed.noAttackTags,
    noTechniqueTags: parsed.noTechniqueTags,
    release: null,
    unknownTechniques: [],
    unknownTactics: [],
    rulesPerTechnique: perTechnique,
  };
  const techniqueIds = Object.keys(perTechnique).sort();
  const tactics = [...new Set(parsed.rules.flatMap((r) => r.tacticShortnames))].sort();
  try {
    await executor.write(`sigma ${pack.name}`, async (tx) => {
      await tx.run(SIGMA_LOCK, { lock: `sigma:${pack.name}`, token: randomUUID() });
      const [held] = (await tx.run(SIGMA_EXISTING, { pack: pack.name })).map((r) => existingRow.parse(r));
      const [releases] = await tx.run(SIGMA_CURRENT_RELEASE);
      report.release = newestRelease(z.array(z.string()).parse(releases?.releases ?? [])) ?? null;
      report.unknownTechniques = await unknownIds(tx, techniqueIds, SIGMA_KNOWN_TECHNIQUES);
      report.unknownTactics = await unknownIds(tx, tactics, SIGMA_KNOWN_TACTICS);
      const before = new Map((held?.rules ?? []).flatMap((r) => (r.key ? [[r.key, r.hash] as const] : [])));
      const write = rows.filter((r) => before.get(r.key) !== r.hash);
      const keep = new Set(rows.map((r) => r.key));
      const gone = [...before.keys()].filter((k) => !keep.has(k));
      report.added = write.filter((r) => !before.has(r.key)).length;
      report.modified = write.length - report.added;
      report.removed = gone.length;
      if (write.length === 0 && gone.length === 0 && held?.held && held.sha256 === pack.sha256)
        throw new Unchanged();
      if (gone.length) await tx.run(SIGMA_DELETE_RULES, { pack: pack.name, keys: gone });
      if (write.length) await tx.run(SIGMA_UPSERT_RULES, { pack: pack.name, rows: write });
      const at = new Date().toISOString();
      await tx.run(SIGMA_WRITE_PACK, {
        pack: pack.name,
        props: { source: pack.source, sha256: pack.sha256, importedAt: at, ruleCount: rows.length },
      });
      report.runId = randomUUID();
      await tx.run(SIGMA_RECORD_RUN, {
        run: {
          id: report.runId,
          pack: pack.name,
          kind: 'import',
          at,
          added: report.added,
          modified: report.modified,
          removed: report.removed,
        },
      });
      report.changed = true;
    });
  } catch (err) {
    if (!(err instanceof Unchanged)) throw err;
  }
  return report;
}

export interface SigmaRemoveReport {
  kind: 'sigma';
  pack: string;
  removedRules: number;
}

/** `--remove sigma:<pack>`: the pack and its rules, in one transaction; an unknown pack writes nothing. */
export async function removeSigmaPack(executor: Executor, name: string): Promise<SigmaRemoveReport> {
  return executor.write(`remove sigma:${name}`, async (tx) => {
    await tx.run(SIGMA_LOCK, { lock: `sigma:${name}`, token: randomUUID() });
    const [row] = await tx.run(SIGMA_REMOVE_PACK, { pack: name });
    if (!row) {
      const held = (await tx.run(SIGMA_PACKS)).map((r) => String(r.name));
      throw new ImportError(
        `sigma:${name} is not imported; imported rule packs: ${held.join(', ') || 'none'}`,
      );
    }
    const at = new Date().toISOString();
    await tx.run(SIGMA_RECORD_RUN, { run: { id: randomUUID(), pack: name, kind: 'remove', at } });
    return { kind: 'sigma', pack: name, removedRules: z.number().parse(row.rules) };
  });
}

/** The CLI's summary of one pack's import. */
export function formatSigmaReport(r: SigmaImportReport): string {
  const unknown = (ids: UnknownId[]) =>
    ids
      .map(
        (u) =>
          `${u.id} (${u.releases.length ? `known in ${u.releases.join(', ')}` : 'in no imported release'})`,
      )
      .join(', ');
  const lines = [
    `${r.source} -> rule pack ${r.pack} (sha256 ${r.sha256.slice(0, 12)}…)`,
    `  rules: ${r.files} files, ${r.rules} rules, ${Object.keys(r.rulesPerTechnique).length} techniques named`,
    r.changed
      ? `  changes: ${r.added} added, ${r.modified} modified, ${r.removed} removed (run ${r.runId})`
      : '  unchanged: the graph already holds this pack; nothing written',
  ];
  if (r.multiDocument.length) lines.push(`  files with several rules: ${r.multiDocument.join(', ')}`);
  if (r.noAttackTags.length)
    lines.push(`  rules with no ATT&CK tag (${r.noAttackTags.length}): ${r.noAttackTags.join(', ')}`);
  if (r.noTechniqueTags.length)
    lines.push(
      `  rules with tactic tags but no technique (${r.noTechniqueTags.length}): ${r.noTechniqueTags.join(', ')}`,
    );
  const release = r.release ?? 'the graph (no ATT&CK imported)';
  if (r.unknownTechniques.length)
    lines.push(
      `  techniques unknown in ${release} (${r.unknownTechniques.length}): ${unknown(r.unknownTechniques)}`,
    );
  if (r.unknownTactics.length)
    lines.push(`  tactics unknown in ${release} (${r.unknownTactics.length}): ${unknown(r.unknownTactics)}`);
  return lines.join('\n');
}
