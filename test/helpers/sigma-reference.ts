/**
 * What the raw Sigma files say, read with deliberately naive code that shares nothing with the
 * importer (no YAML library, no src/sigma): each file's `tags:` block, line by line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RawRule {
  /** Relative to the folder read, with `/`. */
  path: string;
  title: string;
  level: string | null;
  product: string | null;
  techniques: string[];
  tactics: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}

function top(text: string, key: string): string | null {
  const value = new RegExp(`^${key}:[ \\t]*(.+?)(?:[ \\t]+#.*)?[ \\t]*$`, 'm').exec(text)?.[1];
  if (value == null) return null;
  // A quoted scalar: 'it''s' in single quotes, or "..." in double quotes.
  if (/^'.*'$/.test(value)) return value.slice(1, -1).replaceAll("''", "'");
  if (/^".*"$/.test(value)) return value.slice(1, -1);
  return value;
}

export function readRawRules(dir: string): RawRule[] {
  return walk(dir).map((file) => {
    const text = readFileSync(file, 'utf8');
    const lines = text.split(/\r?\n/);
    const start = lines.findIndex((l) => /^tags:\s*$/.test(l));
    const tags: string[] = [];
    for (let i = start + 1; start >= 0 && i < lines.length; i++) {
      const m = /^\s+-\s+(\S+)/.exec(lines[i] ?? '');
      if (!m?.[1]) break;
      tags.push(m[1]);
    }
    const product = /^logsource:\s*$(?:\n\s+.*)*?\n\s+product:\s*(\S+)/m.exec(text)?.[1] ?? null;
    return {
      path: path.relative(dir, file).split(path.sep).join('/'),
      title: top(text, 'title') ?? '',
      level: top(text, 'level'),
      product,
      techniques: [
        ...new Set(
          tags.filter((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)).map((t) => t.slice(7).toUpperCase()),
        ),
      ],
      tactics: [
        ...new Set(
          tags.filter((t) => /^attack\.[a-z-_]+$/.test(t)).map((t) => t.slice(7).replaceAll('_', '-')),
        ),
      ],
    };
  });
}

/** Rules per technique ID, as the raw tags name them. */
export function rawRulesPerTechnique(rules: readonly RawRule[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rules) for (const t of r.techniques) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
}
