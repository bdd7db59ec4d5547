import { type AtomicTest, platformKey } from '../../src/atomic.ts';
import { ImportError } from '../errors.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';

/*
 * Atomic Red Team's CSV indexes (atomic-red-team/atomics/Indexes/Indexes-CSV) as rows, then as
 * tests. Pure: the files' text in, rows out; `read.ts` does the file system.
 */

/** The columns of every index, as Atomic Red Team writes them (in this order, but found by name). */
export const COLUMNS = {
  tactic: 'Tactic',
  techniqueId: 'Technique #',
  techniqueName: 'Technique Name',
  testNumber: 'Test #',
  name: 'Test Name',
  guid: 'Test GUID',
  executor: 'Executor Name',
} as const;
type Field = keyof typeof COLUMNS;
const FIELDS = Object.keys(COLUMNS) as Field[];

/** An optional column some indexes may carry; when present it gives the test's platforms. */
const PLATFORM_COLUMNS = ['Platform', 'Platforms', 'Supported Platforms'];

export class AtomicInputError extends ImportError {
  override name = 'AtomicInputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`${file}, line ${line}${column ? `, column "${column}"` : ''}: ${reason}; nothing was written`);
  }
}

export interface IndexRow {
  file: string;
  line: number;
  tactic: string;
  techniqueId: string;
  techniqueName: string;
  testNumber: number;
  name: string;
  guid: string;
  executor: string;
  /** From a platform column of the file, else empty (the file's own platform is added by the caller). */
  platforms: string[];
}

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TACTIC = /^[a-z]+(-[a-z]+)*$/;

/** Checks one field's value; returns why it is wrong, or null. */
const CHECKS: Record<Field, (v: string) => string | null> = {
  tactic: (v) => (TACTIC.test(v) ? null : `"${v}" is not a tactic shortname (such as credential-access)`),
  techniqueId: (v) =>
    TECHNIQUE_ID.test(v) ? null : `"${v}" is not an ATT&CK technique ID (T1234 or T1234.001)`,
  techniqueName: (v) => (v.trim() ? null : 'is empty'),
  testNumber: (v) => (/^[1-9]\d*$/.test(v) ? null : `"${v}" is not a test number (1, 2, ...)`),
  name: (v) => (v.trim() ? null : 'is empty'),
  guid: (v) => (GUID.test(v) ? null : `"${v}" is not a GUID`),
  executor: (v) => (v.trim() ? null : 'is empty'),
};

/** The rows of one index file; throws an AtomicInputError naming the file, line and column. */
export function parseIndex(file: string, text: string): IndexRow[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      throw new AtomicInputError(file, err.line, `field ${err.field}`, err.reason);
    throw err;
  }
  const [header, ...body] = records;
  if (!header) throw new AtomicInputError(file, 1, null, 'the file is empty; expected a header line');
  const names = header.fields.map((f) => f.trim());
  const at = {} as Record<Field, number>;
  for (const field of FIELDS) {
    const index = names.indexOf(COLUMNS[field]);
    if (index < 0)
      throw new AtomicInputError(
        file,
        header.line,
        COLUMNS[field],
        `missing column; expected the columns ${FIELDS.map((f) => `"${COLUMNS[f]}"`).join(', ')}, found ${names.map((c) => `"${c}"`).join(', ')}`,
      );
    at[field] = index;
  }
  const platformAt = names.findIndex((c) => PLATFORM_COLUMNS.includes(c));
  return body.map(({ line, fields }) => {
    if (fields.length !== names.length)
      throw new AtomicInputError(
        file,
        line,
        null,
        `${fields.length} fields, expected ${names.length} (one per column of the header)`,
      );
    const value = {} as Record<Field, string>;
    for (const field of FIELDS) {
      const v = fields[at[field]] ?? '';
      const wrong = CHECKS[field](v);
      if (wrong) throw new AtomicInputError(file, line, COLUMNS[field], wrong);
      value[field] = v;
    }
    const platformText = platformAt >= 0 ? (fields[platformAt] ?? '') : '';
    return {
      file,
      line,
      ...value,
      guid: value.guid.toLowerCase(),
      testNumber: Number(value.testNumber),
      platforms: platformText
        .split(/[,;|]/)
        .map((p) => platformKey(p))
        .filter((p) => p !== ''),
    };
  });
}

/** The platform a per-platform index file names (`windows-index.csv` -> `windows`), or null. */
export function platformOfFile(base: string): string | null {
  const m = /^(.+)-index\.csv$/i.exec(base);
  return m?.[1] ? platformKey(m[1]) : null;
}

/**
 * The tests of a set of rows. `platformOf` gives each row's file's platform (null for index.csv).
 * A GUID whose rows disagree on technique, name, number or executor is an error at its later row.
 */
export function testsOf(
  rows: readonly IndexRow[],
  platformOf: (file: string) => string | null,
): AtomicTest[] {
  const byGuid = new Map<string, AtomicTest>();
  const first = new Map<string, IndexRow>();
  for (const row of rows) {
    const platforms = [...row.platforms];
    const own = platformOf(row.file);
    if (own) platforms.push(own);
    const test = byGuid.get(row.guid);
    if (!test) {
      byGuid.set(row.guid, {
        guid: row.guid,
        name: row.name,
        techniqueId: row.techniqueId,
        techniqueName: row.techniqueName,
        tactics: [row.tactic],
        testNumber: row.testNumber,
        executor: row.executor,
        platforms: [...new Set(platforms)],
      });
      first.set(row.guid, row);
      continue;
    }
    const seen = first.get(row.guid);
    for (const field of ['techniqueId', 'name', 'testNumber', 'executor'] as const) {
      if (test[field] !== row[field])
        throw new AtomicInputError(
          row.file,
          row.line,
          COLUMNS[field],
          `test ${row.guid} is "${row[field]}" here but "${test[field]}" in ${seen?.file ?? '?'} line ${seen?.line ?? '?'}`,
        );
    }
    if (!test.tactics.includes(row.tactic)) test.tactics.push(row.tactic);
    for (const p of platforms) if (!test.platforms.includes(p)) test.platforms.push(p);
  }
  const tests = [...byGuid.values()];
  for (const t of tests) t.platforms.sort();
  return tests.sort(
    (a, b) =>
      a.techniqueId.localeCompare(b.techniqueId) ||
      a.testNumber - b.testNumber ||
      a.guid.localeCompare(b.guid),
  );
}
