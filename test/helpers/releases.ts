/**
 * Two releases of one domain side by side, from the mini enterprise fixture: release `1.0` as
 * written, and release `2.0` that renames a sub-technique and gives the group one more technique.
 * Shared by the tests of the release read path; each file imports them once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importSource } from '../../import/index.ts';
import { createTestApp, type TestApp } from './app.ts';
import { MINI_ENTERPRISE } from './paths.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw STIX JSON, read the way a script would
export type Raw = Record<string, any>;

export const OLD = '1.0';
export const NEW = '2.0';
/** In NEW, this sub-technique has another name. */
export const RENAMED = 'attack-pattern--00000000-0000-4000-8000-000000000101';
export const RENAMED_TO = 'LSASS Memory Dumping';
/** In NEW, the group also uses this technique. */
export const GROUP = 'intrusion-set--00000000-0000-4000-8000-000000000300';
export const ADDED_USE = 'attack-pattern--00000000-0000-4000-8000-000000000200';

/** The raw objects of NEW: OLD's, renamed and with the one more `uses`, as a new collection version. */
export function newerRelease(objects: readonly Raw[]): Raw[] {
  const later = '2026-06-01T00:00:00.000Z';
  const out = objects.map((o) => {
    if (o.type === 'x-mitre-collection') return { ...o, x_mitre_version: NEW, modified: later };
    if (o.id === RENAMED) return { ...o, name: RENAMED_TO, modified: later };
    return o;
  });
  const uses = objects.find((o) => o.relationship_type === 'uses' && o.source_ref === GROUP);
  out.push({ ...uses, id: `relationship--${randomUUID()}`, target_ref: ADDED_USE, modified: later });
  return out;
}

export interface TwoReleases {
  app: TestApp;
  raw: Record<string, Raw[]>;
}

/** A fresh database holding OLD, then NEW, of the mini enterprise bundle, and the app over it. */
export async function withTwoReleases(): Promise<TwoReleases> {
  const bundle = JSON.parse(await readFile(MINI_ENTERPRISE, 'utf8')) as { objects: Raw[] };
  const old = bundle.objects;
  if (old.find((o) => o.type === 'x-mitre-collection')?.x_mitre_version !== OLD)
    throw new Error(`mini-enterprise is expected to be release ${OLD}`);
  const raw: Record<string, Raw[]> = { [OLD]: old, [NEW]: newerRelease(old) };
  const dir = await mkdtemp(path.join(tmpdir(), 'attack-graph-releases-'));
  const app = await createTestApp();
  await app.db.reset();
  for (const release of [OLD, NEW]) {
    const file = path.join(dir, `mini-enterprise-${release}.json`);
    await writeFile(file, JSON.stringify({ ...bundle, objects: raw[release] ?? [] }));
    await importSource(app.db.executor, file);
  }
  await app.db.executor.read({
    name: 'test.awaitFulltext',
    cypher: 'CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()',
  });
  return { app, raw };
}

/** The ATT&CK ID of a raw object. */
export const attackIdOf = (o: Raw): string | null =>
  o.external_references?.find((r: Raw) => r.source_name === 'mitre-attack')?.external_id ?? null;

/** The ATT&CK IDs of the techniques an object `uses` directly in `objects`, sorted. */
export function usedTechniques(objects: readonly Raw[], source: string): string[] {
  const byId = new Map(objects.map((o) => [o.id, o]));
  return objects
    .filter((r) => r.relationship_type === 'uses' && r.source_ref === source && !r.revoked)
    .map((r) => byId.get(r.target_ref))
    .filter((t): t is Raw => t?.type === 'attack-pattern' && !t.revoked && !t.x_mitre_deprecated)
    .map((t) => attackIdOf(t) ?? '')
    .sort();
}
