import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { parseTag } from './tags.ts';

/*
 * Sigma rule files (https://sigmahq.io/docs/basics/rules.html) to rule rows. Pure: the importer
 * (`sigma:<dir | file | zip>`) and the API's rule upload parse with it, so both accept and refuse
 * the same files. A file may hold several YAML documents: each is a rule, except Sigma collection
 * actions (`action: global` sets fields for the rules after it, `reset` clears them, `repeat`
 * repeats the previous rule with changes).
 */

export interface SigmaFile {
  /** Where the file is, relative to the pack (`rules/windows/…/x.yml`); errors name it. */
  path: string;
  text: string;
}

export interface SigmaRule {
  /** Unique within a pack: the path, plus `#n` for the n-th rule of a file holding several. */
  key: string;
  ruleId: string | null;
  title: string;
  status: string | null;
  level: string | null;
  description: string | null;
  author: string | null;
  date: string | null;
  modified: string | null;
  product: string | null;
  category: string | null;
  service: string | null;
  path: string;
  tags: string[];
  /** ATT&CK technique IDs the tags name (`T1003.001`), sorted, each once. */
  techniqueIds: string[];
  /** Tactic shortnames the tags name (`credential-access`), sorted, each once. */
  tacticShortnames: string[];
}

/** One problem: the file, the line (1-based) and the field, and what was expected. */
export interface SigmaProblem {
  path: string;
  line: number | null;
  field: string | null;
  message: string;
}

export const formatSigmaProblem = (p: SigmaProblem) =>
  `${p.path}${p.line == null ? '' : `:${p.line}`}: ${p.field ? `${p.field}: ` : ''}${p.message}`;

export interface ParsedRules {
  rules: SigmaRule[];
  problems: SigmaProblem[];
  /** Files that held more than one rule. */
  multiDocument: string[];
  /** Rules (keys) with no `attack.*` tag at all, and with tactic tags but no technique. */
  noAttackTags: string[];
  noTechniqueTags: string[];
}

const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];
const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collection actions merge maps (a `global` logsource with a rule's own detection). */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

export function parseSigmaFiles(files: readonly SigmaFile[]): ParsedRules {
  const out: ParsedRules = {
    rules: [],
    problems: [],
    multiDocument: [],
    noAttackTags: [],
    noTechniqueTags: [],
  };
  for (const file of files) {
    const rules = parseFile(file, out.problems);
    if (rules.length > 1) out.multiDocument.push(file.path);
    for (const rule of rules) {
      out.rules.push(rule);
      if (!rule.tags.some((t) => t.startsWith('attack.'))) out.noAttackTags.push(rule.key);
      else if (rule.techniqueIds.length === 0) out.noTechniqueTags.push(rule.key);
    }
  }
  return out;
}

function parseFile(file: SigmaFile, problems: SigmaProblem[]): SigmaRule[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(file.text, { lineCounter, uniqueKeys: true });
  const problem = (line: number | null, field: string | null, message: string) =>
    problems.push({ path: file.path, line, field, message });
  if (!Array.isArray(docs) || docs.length === 0) {
    problem(null, null, 'not a Sigma rule: the file holds no YAML document');
    return [];
  }
  const ruleDocs: { doc: Document.Parsed; json: Json }[] = [];
  let global: Json = {};
  let previous: Json | null = null;
  for (const doc of docs) {
    const start = lineCounter.linePos(doc.range[0]).line;
    const [error] = doc.errors;
    if (error) {
      problem(error.linePos?.[0].line ?? start, null, `not valid YAML: ${error.message.split('\n')[0]}`);
      continue;
    }
    const json: unknown = doc.toJS();
    if (json == null) continue; // An empty document (a trailing `---`).
    if (!isObject(json)) {
      problem(
        start,
        null,
        `not a Sigma rule: expected a mapping with title, logsource and detection, got ${Array.isArray(json) ? 'a list' : typeof json}`,
      );
      continue;
    }
    const { action, ...rest } = json;
    if (action === 'global') global = rest;
    else if (action === 'reset') global = {};
    else if (action === 'repeat' && !previous)
      problem(start, 'action', 'repeat: no rule before it to repeat');
    else if (action !== undefined && action !== 'repeat')
      problem(start, 'action', `expected global, reset or repeat, got ${JSON.stringify(action)}`);
    else {
      previous = merge(action === 'repeat' && previous ? previous : global, rest);
      ruleDocs.push({ doc, json: previous });
    }
  }
  const rules: SigmaRule[] = [];
  ruleDocs.forEach(({ doc, json }, i) => {
    const key = ruleDocs.length > 1 ? `${file.path}#${i + 1}` : file.path;
    const rule = toRule(json, key, file.path, (field, message, at = [field]) => {
      const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? doc.range[0];
      problem(lineCounter.linePos(offset).line, field, message);
    });
    if (rule) rules.push(rule);
  });
  return rules;
}

type Report = (field: string, message: string, at?: (string | number)[]) => void;

function toRule(json: Json, key: string, path: string, report: Report): SigmaRule | null {
  let ok = true;
  const fail: Report = (...args) => {
    ok = false;
    report(...args);
  };
  const missing = ['title', 'logsource', 'detection'].filter((f) => json[f] === undefined);
  if (missing.length) {
    fail(
      missing[0] ?? 'title',
      `not a Sigma rule: missing ${missing.join(', ')} (a Sigma rule has title, logsource and detection)`,
    );
    return null;
  }
  const text = (field: string, value: unknown = json[field], at?: string[]): string | null => {
    if (value == null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    // Authors are sometimes a list of names.
    if (field === 'author' && Array.isArray(value) && value.every((v) => typeof v === 'string'))
      return value.join(', ');
    fail(field, `expected text, got ${Array.isArray(value) ? 'a list' : typeof value}`, at);
    return null;
  };
  const title = text('title');
  if (!title) fail('title', 'expected a non-empty title');
  const { logsource, detection } = json;
  if (!isObject(logsource)) fail('logsource', 'expected a mapping (product, category, service)');
  if (!isObject(detection) || detection.condition === undefined)
    fail('detection', 'expected a mapping with a condition');
  const source = isObject(logsource) ? logsource : {};
  const [product, category, service] = (['product', 'category', 'service'] as const).map((f) =>
    text(`logsource.${f}`, source[f], ['logsource', f]),
  );
  const level = text('level');
  if (level != null && !LEVELS.includes(level))
    fail('level', `expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  const status = text('status');
  if (status != null && !STATUSES.includes(status))
    fail('status', `expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  const tags: string[] = [];
  const techniques = new Set<string>();
  const tactics = new Set<string>();
  if (json.tags != null && !Array.isArray(json.tags)) fail('tags', 'expected a list of tags');
  const rawTags: unknown[] = Array.isArray(json.tags) ? json.tags : [];
  rawTags.forEach((tag, i) => {
    if (typeof tag !== 'string') {
      fail(
        `tags[${i}]`,
        `expected a tag such as attack.t1003.001, got ${tag === null ? 'null' : typeof tag}`,
        ['tags', i],
      );
      return;
    }
    const parsed = parseTag(tag);
    if ('error' in parsed) {
      fail(`tags[${i}]`, parsed.error, ['tags', i]);
      return;
    }
    tags.push(tag);
    if (parsed.kind === 'technique') techniques.add(parsed.attackId);
    if (parsed.kind === 'tactic') tactics.add(parsed.shortname);
  });
  const rule: SigmaRule = {
    key,
    ruleId: text('id'),
    title: title ?? '',
    status,
    level,
    description: text('description'),
    author: text('author'),
    date: text('date'),
    modified: text('modified'),
    product: product ?? null,
    category: category ?? null,
    service: service ?? null,
    path,
    tags,
    techniqueIds: [...techniques].sort(),
    tacticShortnames: [...tactics].sort(),
  };
  return ok ? rule : null;
}
