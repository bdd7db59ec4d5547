import { readFileSync } from 'node:fs';
import path from 'node:path';
import { atomicDir } from './paths.ts';

/*
 * Answers from the raw Atomic CSV indexes, computed without the importer's CSV reader: each record
 * of these files is one line (checked below), holding one technique ID and one GUID, which
 * patterns find whatever the quoted names around them hold.
 */

const TECHNIQUE = /(?:^|,)(T\d{4}(?:\.\d{3})?),/;
const GUID = /,([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}),[^,]*$/i;

/** technique ID -> the GUIDs its rows name, in one index file (`index.csv`, `windows-index.csv`). */
export function rawTestsByTechnique(file: string): Map<string, Set<string>> {
  const text = readFileSync(path.join(atomicDir(), file), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const out = new Map<string, Set<string>>();
  for (const line of lines.slice(1)) {
    const technique = TECHNIQUE.exec(line)?.[1];
    const guid = GUID.exec(line)?.[1];
    if (!technique || !guid) throw new Error(`${file}: not one record per line: ${line}`);
    const set = out.get(technique) ?? new Set<string>();
    set.add(guid.toLowerCase());
    out.set(technique, set);
  }
  return out;
}

/** Every GUID the index names. */
export const rawGuids = (file: string) =>
  new Set([...rawTestsByTechnique(file).values()].flatMap((s) => [...s]));
