import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/env.ts';
import { ensureNeo4j } from '../src/local-neo4j/ensure.ts';
import { NODE_LABELS, type NodeType } from '../src/model.ts';
import { createDriver } from '../src/neo4j/driver.ts';
import { createExecutor, type Executor } from '../src/neo4j/executor.ts';
import { ATOMIC_PREFIX, type AtomicReport, formatAtomicReport, importAtomic } from './atomic/index.ts';
import { formatProblem, ImportError, type ImportReport, InvalidBundleError, importSource } from './index.ts';
import { formatDefect } from './references.ts';
import { type RemoveReport, removeRelease } from './remove.ts';
import { formatSigmaReport, importSigma, removeSigmaPack, type SigmaImportReport } from './sigma/index.ts';

const USAGE = `Usage: npm run import -- [options] <source...>
       npm run import -- --remove <domain>@<release>

Each bundle is imported as its release (its ATT&CK version, e.g. 18.1), beside the releases already
imported; the newest release is the API's default. Re-importing a release that is there writes
nothing.

Sources:
  ./path/to/bundle.json[.gz]         a STIX 2.0 or 2.1 bundle file (gzip accepted)
  https://host/bundle.json           a bundle over http(s)
  attack:enterprise[@18.1]           MITRE's published bundles (also attack:mobile, attack:ics)
  taxii+https://root/collections/ID  a TAXII 2.1 collection
  sigma:<dir | file.yml | pack.zip>  Sigma detection rules, as one rule pack (named after the
                                     folder or file, or --pack NAME); --remove sigma:<pack> removes it
  atomic:<index.csv | dir>           an Atomic Red Team CSV index, or a directory of them
                                     (index.csv and <platform>-index.csv); replaces the stored one

Options:
  --remove D@R         remove release R of domain D (enterprise-attack@16.1 or enterprise@16.1),
                       instead of importing; repeatable (sigma:<pack> removes a rule pack)
  --pack NAME          sigma: the rule pack's name (default: the folder's or file's name)
  --relaxed            skip invalid objects (each listed) instead of refusing the bundle
  --strict             also refuse a bundle with a relationship whose end is in neither the
                       bundle nor the graph (by default such defects are reported and held)
  --refresh            attack:<domain>: fetch even when the cached copy is fresh
  --report FILE        also write the full report as JSON to FILE
  --added-after TIME   TAXII only: objects added after TIME
  --json               print the reports as JSON on stdout, nothing else
  --quiet              print only errors
  -h, --help           this text`;

function table(report: ImportReport): string {
  const lines = [
    // attack:<domain> may come from MITRE, the cache or a local fallback: say which.
    `${report.source}${report.source.startsWith('attack:') ? ` (${report.location})` : ''} -> ${report.domain} ${report.release} (sha256 ${report.sha256.slice(0, 12)}…)`,
    `  objects: ${report.input} in, ${report.loaded} loaded, ${report.ignored} ignored, ${report.unknown} unknown, ${report.rejected} rejected, ${report.pending} pending`,
    report.changed
      ? `  changes: ${Object.entries(report.summary)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')} (run ${report.runId})`
      : report.counts
        ? '  unchanged: the graph already holds this bundle; nothing written'
        : '  refused: nothing written',
  ];
  const counts = report.counts;
  if (counts) {
    lines.push(
      `  nodes: ${Object.entries(counts.nodes)
        .map(([k, v]) => `${NODE_LABELS[k as NodeType].join(':')} ${v}`)
        .join(', ')}`,
    );
    lines.push(
      `  relationships: ${Object.entries(counts.rels)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  for (const [type, n] of Object.entries(report.unknownTypes)) lines.push(`  unknown type ${type}: ${n}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  for (const d of report.defects) lines.push(`  defect: ${formatDefect(d)}`);
  for (const p of report.problems) lines.push(`  rejected: ${formatProblem(p)}`);
  const ms = report.ms;
  lines.push(
    `  time: read ${ms.read.toFixed(0)} ms, validate ${ms.validate.toFixed(0)} ms, transform ${ms.transform.toFixed(0)} ms, load ${ms.load.toFixed(0)} ms` +
      ` (${Math.round(report.input / ((ms.read + ms.validate + ms.transform + ms.load) / 1000))} objects/s)`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      relaxed: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      refresh: { type: 'boolean', default: false },
      report: { type: 'string' },
      'added-after': { type: 'string' },
      remove: { type: 'string', multiple: true },
      pack: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const removals = values.remove ?? [];
  if (removals.length && positionals.length) {
    console.error('error: --remove takes no sources; import and remove in separate runs');
    return 2;
  }
  if (values.help || (positionals.length === 0 && removals.length === 0)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const say = (text: string) => !values.quiet && !values.json && console.error(text);
  const driver = createDriver(config.neo4j);
  await ensureNeo4j(config.neo4j, driver, say);
  const executor = createExecutor(driver, { database: config.neo4j.database });
  if (removals.length) return remove(executor, removals, { json: values.json, say });
  const reports: (ImportReport | SigmaImportReport | AtomicReport)[] = [];
  const tty = process.stderr.isTTY && !values.quiet && !values.json;
  try {
    for (const source of positionals) {
      if (source.startsWith(ATOMIC_PREFIX)) {
        const report = await importAtomic(executor, source);
        reports.push(report);
        say(formatAtomicReport(report));
        continue;
      }
      if (source.startsWith('sigma:')) {
        const report = await importSigma(executor, source.slice('sigma:'.length), {
          maxBytes: config.import.maxBytes,
          pack: values.pack,
        });
        reports.push(report);
        say(formatSigmaReport(report));
        continue;
      }
      const started = performance.now();
      const report = await importSource(executor, source, {
        relaxed: values.relaxed,
        strict: values.strict,
        official: { ...config.attack, refresh: values.refresh },
        onNote: ({ note }) => {
          if (tty) process.stderr.write('\r\x1b[K');
          say(`note: ${note}`);
        },
        addedAfter: values['added-after'],
        limits: config.import,
        onProgress: ({ phase, detail }) => {
          const elapsed = ((performance.now() - started) / 1000).toFixed(1);
          const line = `${source}: ${phase} (${elapsed} s${detail ? `, ${detail}` : ''})`;
          // On a terminal the line rewrites itself; in logs each phase gets a line of its own.
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
          else say(line);
        },
      }).catch((err: unknown) => {
        if (err instanceof InvalidBundleError) reports.push(err.report);
        throw err;
      });
      if (tty) process.stderr.write('\r\x1b[K');
      reports.push(report);
      say(table(report));
    }
    return 0;
  } catch (err) {
    if (tty) process.stderr.write('\r\x1b[K');
    if (err instanceof InvalidBundleError) {
      say(table(err.report));
      console.error(`error: ${err.message}`);
    } else if (err instanceof ImportError) {
      console.error(`error: ${err.message}`);
    } else {
      console.error(`error: import failed; the graph is unchanged: ${(err as Error).message}`);
    }
    return 1;
  } finally {
    if (values.json) console.log(JSON.stringify(reports, null, 2));
    if (values.report) await writeFile(values.report, JSON.stringify(reports, null, 2));
    await executor.close();
  }
}

/** `--remove`: each release in its own transaction, in order; stops at the first failure. */
async function remove(
  executor: Executor,
  specs: string[],
  { json, say }: { json: boolean; say: (text: string) => void },
): Promise<number> {
  const done: (RemoveReport | Awaited<ReturnType<typeof removeSigmaPack>>)[] = [];
  try {
    for (const spec of specs) {
      if (spec.startsWith('sigma:')) {
        const s = await removeSigmaPack(executor, spec.slice('sigma:'.length));
        done.push(s);
        say(`removed rule pack ${s.pack}: ${s.removedRules} rules deleted`);
        continue;
      }
      const r = await removeRelease(executor, spec);
      done.push(r);
      say(
        `removed ${r.domain}@${r.release}: ${r.deletedObjects} objects deleted, ${r.keptObjects} kept for other domains of ${r.release}; current release: ${r.current ?? 'none'}`,
      );
    }
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    console.error(
      err instanceof ImportError
        ? `error: ${message}`
        : `error: removal failed; the graph is unchanged: ${message}`,
    );
    return 1;
  } finally {
    if (json) console.log(JSON.stringify(done, null, 2));
    await executor.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    process.exit(1);
  },
);
