import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * The import rules of docs/architecture.md, checked on every relative import (static, type-only,
 * re-export and dynamic) of every .ts/.tsx file under src/, import/, scripts/, bench/ and web/. Needs no
 * database. When a rule has to change, change docs/architecture.md with it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['src', 'import', 'scripts', 'bench', 'web'];

/**
 * What each part may import (paths from the repository root; a trailing `/` means the whole
 * folder). The first rule whose `from` matches a file applies; a file no rule matches is itself a
 * violation, so a new top-level module gets a rule (and a line in docs/architecture.md).
 */
const RULES: { from: string; may: string[] }[] = [
  { from: 'src/main.ts', may: ['src/'] },
  { from: 'src/yoga.ts', may: ['src/'] },
  { from: 'src/model.ts', may: [] },
  { from: 'src/change-log.ts', may: [] },
  { from: 'src/controls.ts', may: [] },
  { from: 'src/atomic.ts', may: [] },
  { from: 'src/env.ts', may: [] },
  { from: 'src/logger.ts', may: ['src/env.ts', 'src/http/request-context.ts'] },
  { from: 'src/cluster.ts', may: ['src/env.ts', 'src/logger.ts'] },
  { from: 'src/context.ts', may: ['src/data/', 'src/neo4j/'] },
  { from: 'src/neo4j/', may: ['src/neo4j/', 'src/env.ts'] },
  { from: 'src/local-neo4j/', may: ['src/local-neo4j/', 'src/env.ts'] },
  // src/model.ts for the stable order of objects (compareObjects), which the importer's ordinals keep.
  { from: 'src/analytics/', may: ['src/analytics/', 'src/model.ts'] },
  { from: 'src/navigator/', may: ['src/navigator/'] },
  { from: 'src/sigma/', may: ['src/sigma/'] },
  { from: 'src/releases/', may: ['src/releases/', 'src/model.ts', 'src/change-log.ts', 'src/navigator/'] },
  {
    from: 'src/data/',
    // src/releases/ for the catalog a release snapshot is read into, and the order of releases.
    may: [
      'src/data/',
      'src/neo4j/',
      'src/model.ts',
      'src/change-log.ts',
      'src/releases/',
      'src/controls.ts',
      'src/atomic.ts',
    ],
  },
  {
    from: 'src/schema/',
    may: [
      'src/schema/',
      'src/data/',
      'src/analytics/',
      'src/navigator/',
      'src/releases/',
      'src/sigma/',
      'src/context.ts',
      'src/model.ts',
      'src/change-log.ts',
      'src/controls.ts',
    ],
  },
  {
    from: 'src/http/',
    may: [
      'src/http/',
      'src/data/',
      'src/neo4j/',
      'src/sigma/',
      'src/env.ts',
      'src/logger.ts',
      'src/controls.ts',
    ],
  },
  {
    from: 'src/plugins/',
    may: [
      'src/plugins/',
      'src/http/',
      'src/schema/',
      'src/data/',
      'src/neo4j/',
      'src/context.ts',
      'src/env.ts',
      'src/logger.ts',
    ],
  },
  {
    from: 'import/',
    may: [
      'import/',
      'src/model.ts',
      'src/change-log.ts',
      // The one order of releases, shared with the API and the release diff.
      'src/releases/order.ts',
      // The vocabulary of control mappings, shared with the API that reads them.
      'src/controls.ts',
      // Sigma rules are parsed alike by the importer and the API's rule upload.
      'src/sigma/',
      // The stored shape of an Atomic test and Atomic's platform keys, shared with the API.
      'src/atomic.ts',
      'src/env.ts',
      'src/neo4j/',
      'src/local-neo4j/',
    ],
  },
  // Entry points: they use src/, and nothing imports them (not even each other). `npm start` loads
  // the importer (and only its entry) for the first start on an empty graph.
  { from: 'scripts/start.ts', may: ['src/', 'import/index.ts'] },
  { from: 'scripts/', may: ['src/'] },
  { from: 'bench/', may: ['bench/', 'src/', 'import/'] },
  // The explorer is a client like any other: it reaches the API only over HTTP, never through code.
  { from: 'web/', may: ['web/'] },
];

/** Paths under the repository root, with `/` separators. */
const repoPath = (absolute: string) => path.relative(ROOT, absolute).split(path.sep).join('/');

const matches = (file: string, pattern: string) =>
  pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name) && !name.split(path.sep).includes('node_modules'))
    .map((name) => `${dir}/${name.split(path.sep).join('/')}`)
    .sort();
}

interface ImportEdge {
  file: string;
  line: number;
  specifier: string;
  /** The imported file, from the repository root. */
  target: string;
}

/** Every relative import of `file`, found by TypeScript's own pre-processor (not a regex). */
function importsOf(file: string, text: string): ImportEdge[] {
  const info = ts.preProcessFile(text, true, true);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  return info.importedFiles
    .filter((ref) => ref.fileName.startsWith('.'))
    .map((ref) => ({
      file,
      line: source.getLineAndCharacterOfPosition(ref.pos).line + 1,
      specifier: ref.fileName,
      target: repoPath(path.resolve(ROOT, path.dirname(file), ref.fileName)),
    }));
}

/** The broken rules among `edges`, one line each: `file:line imports 'specifier' (target): why`. */
function violations(edges: ImportEdge[], files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (!RULES.some((r) => matches(file, r.from)))
      out.push(`${file}: no rule in docs/architecture.md covers this file`);
  }
  for (const e of edges) {
    const rule = RULES.find((r) => matches(e.file, r.from));
    if (!rule) continue;
    if (!rule.may.some((allowed) => matches(e.target, allowed)))
      out.push(
        `${e.file}:${e.line} imports '${e.specifier}' (${e.target}): ${rule.from} may import only ${rule.may.join(', ') || 'nothing of ours'}`,
      );
  }
  return out;
}

describe('architecture: imports follow docs/architecture.md', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  const edges = files.flatMap((file) => importsOf(file, readFileSync(path.join(ROOT, file), 'utf8')));

  it('reads every source folder and its imports', () => {
    for (const dir of SOURCE_DIRS) expect(files.some((f) => f.startsWith(`${dir}/`))).toBe(true);
    // The check is only as good as its parse: the known edges are there.
    // A dynamic import() too.
    expect(edges).toContainEqual(
      expect.objectContaining({ file: 'scripts/start.ts', target: 'import/index.ts' }),
    );
    expect(edges).toContainEqual(expect.objectContaining({ file: 'import/load.ts', target: 'src/model.ts' }));
  });

  it('has no wrong import', () => {
    expect(violations(edges, files)).toEqual([]);
  });

  it('reports each wrong import with its file and line', () => {
    const text = [
      "import type { Config } from '../env.ts';",
      "import { ROWS } from '../../import/rows.ts';",
      "export { start } from '../../scripts/db.ts';",
      'const later = () => import("../../bench/run.ts");',
    ].join('\n');
    const found = violations(importsOf('src/data/example.ts', text), ['src/data/example.ts']);
    expect(found).toEqual([
      expect.stringMatching(/^src\/data\/example\.ts:1 imports '\.\.\/env\.ts' \(src\/env\.ts\)/),
      expect.stringMatching(/^src\/data\/example\.ts:2 imports .*\(import\/rows\.ts\)/),
      expect.stringMatching(/^src\/data\/example\.ts:3 imports .*\(scripts\/db\.ts\)/),
      expect.stringMatching(/^src\/data\/example\.ts:4 imports .*\(bench\/run\.ts\)/),
    ]);
    expect(violations([], ['src/new-thing.ts'])).toEqual([
      'src/new-thing.ts: no rule in docs/architecture.md covers this file',
    ]);
  });

  it('lets nothing import an entry point (scripts/) or test/', () => {
    const intoEntry = (t: string) => t.startsWith('scripts/') || t.startsWith('test/');
    expect(edges.filter((e) => intoEntry(e.target))).toEqual([]);
  });

  it('has no exception that lets src/ reach import/ or scripts/', () => {
    const outward = (t: string) => t.startsWith('import/') || t.startsWith('scripts/');
    expect(RULES.filter((r) => r.from.startsWith('src/') && r.may.some(outward))).toEqual([]);
    expect(edges.filter((e) => e.file.startsWith('src/') && outward(e.target))).toEqual([]);
  });

  it('serves through src/main.ts only from the entry points', () => {
    const into = edges.filter((e) => e.target === 'src/main.ts').map((e) => e.file);
    expect(into.length).toBeGreaterThan(0);
    expect(into.filter((file) => !file.startsWith('scripts/'))).toEqual([]);
  });
});
