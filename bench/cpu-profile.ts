/**
 * Where the API's CPU goes under load: a `node --cpu-prof` profile of the API process, each
 * sample put in one bucket by the nearest frame on its stack that a rule below recognises (a
 * sample in zod called from a resolver is zod's; one in graphql-js called from yoga is GraphQL's).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuShare {
  name: string;
  ms: number;
  /** Of the busy time (idle left out). */
  share: number;
}
export interface CpuSplit {
  /** Busy CPU time sampled, in ms. */
  busyMs: number;
  idleMs: number;
  /** Loading and compiling modules at start-up: not the load's, left out of the shares. */
  startupMs: number;
  shares: CpuShare[];
}

type Frame = ProfileNode['callFrame'];
const IDLE = 'idle';
const STARTUP = 'start-up (module loading, tsx)';

/**
 * First match wins, tried on each frame from the sampled one towards the root; only when none
 * matches do the FALLBACK rules get the same walk (so a string decoder called by the Bolt driver
 * counts as Bolt, and a socket write under yoga's response as HTTP handling).
 */
const RULES: Array<[string, (f: Frame) => boolean]> = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  [IDLE, (f) => f.functionName === '(idle)'],
  [STARTUP, (f) => /node:internal\/modules\/|\/tsx\//.test(f.url)],
  ['Bolt: neo4j-driver (decode, encode, sessions)', (f) => f.url.includes('neo4j-driver')],
  // JSON.stringify itself rarely gets a frame of its own: yoga's caller is named for it.
  ['serialisation (JSON.stringify of results)', (f) => /stringify/i.test(f.functionName)],
  ['request decode (JSON.parse of bodies)', (f) => f.url === '' && f.functionName === 'parse'],
  ['row validation (zod)', (f) => f.url.includes('/zod/')],
  ['GraphQL parse and validate (graphql-js)', (f) => /\/graphql\/(language|validation)\//.test(f.url)],
  // A compiled operation's code has no file; graphql-jit names its functions `...Handler`, `...Resolver...`.
  [
    'GraphQL execution (graphql-js, graphql-jit)',
    (f) =>
      /\/graphql\/(execution|type|utilities|jsutils)\/|\/graphql-jit\//.test(f.url) ||
      (f.url === '' && /Handler|Resolver|^query$/.test(f.functionName)),
  ],
  [
    'resolvers and loaders (Pothos, DataLoader, src/schema, src/data, src/analytics)',
    (f) => /@pothos|dataloader|\/src\/(schema|data|analytics|neo4j)\//.test(f.url),
  ],
  [
    'HTTP handling (graphql-yoga, envelop, whatwg-node, our plugins)',
    (f) => /graphql-yoga|@envelop|@whatwg-node|@escape\.tech|\/src\/(plugins|http)\/|\/src\/yoga/.test(f.url),
  ],
  ['logging (pino)', (f) => f.url.includes('/pino')],
];
const FALLBACK: Array<[string, (f: Frame) => boolean]> = [
  ['Node core (http, net, streams: socket reads and writes, timers)', (f) => f.url.startsWith('node:')],
  ['V8 and native, unattributed', (f) => f.functionName === '(program)'],
];

export function splitProfile(profile: Profile): CpuSplit {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = bucketOf.get(id);
    if (known) return known;
    const walk = (rules: typeof RULES): string | undefined => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        const rule = frame && rules.find(([, match]) => match(frame));
        if (rule) return rule[0];
      }
      return undefined;
    };
    const bucket = walk(RULES) ?? walk(FALLBACK) ?? 'other';
    bucketOf.set(id, bucket);
    return bucket;
  };
  const us = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const bucket = classify(id);
    us.set(bucket, (us.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const idleMs = (us.get(IDLE) ?? 0) / 1000;
  const startupMs = (us.get(STARTUP) ?? 0) / 1000;
  us.delete(IDLE);
  us.delete(STARTUP);
  const busyMs = [...us.values()].reduce((a, b) => a + b, 0) / 1000;
  const shares = [...us]
    .map(([name, t]) => ({ name, ms: t / 1000, share: busyMs ? t / 1000 / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs, idleMs, startupMs, shares };
}

/** The one profile a process wrote into `dir`. */
export async function readProfile(dir: string): Promise<Profile> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const [file] = files;
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
}
