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
  shares: CpuShare[];
}

type Frame = ProfileNode['callFrame'];
/** First match wins, tried on each frame from the sampled one towards the root. */
const RULES: Array<[string, (f: Frame) => boolean]> = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['Bolt: neo4j-driver (decode, encode, sessions)', (f) => f.url.includes('neo4j-driver')],
  ['serialisation (JSON.stringify of results)', (f) => f.url === '' && /stringify/i.test(f.functionName)],
  ['request decode (JSON.parse of bodies)', (f) => f.url === '' && f.functionName === 'parse'],
  ['row validation (zod)', (f) => f.url.includes('/zod/')],
  ['GraphQL parse and validate (graphql-js)', (f) => /\/graphql\/(language|validation)\//.test(f.url)],
  ['GraphQL execution (graphql-js)', (f) => /\/graphql\/(execution|type|utilities|jsutils)\//.test(f.url)],
  [
    'resolvers and loaders (Pothos, DataLoader, src/schema, src/data, src/analytics)',
    (f) => /@pothos|dataloader|\/src\/(schema|data|analytics|neo4j)\//.test(f.url),
  ],
  [
    'HTTP handling (graphql-yoga, envelop, whatwg-node, our plugins)',
    (f) => /graphql-yoga|@envelop|@whatwg-node|@escape\.tech|\/src\/(plugins|http)\/|\/src\/yoga/.test(f.url),
  ],
  ['logging (pino)', (f) => f.url.includes('/pino')],
  ['Node core (http, net, streams, timers)', (f) => f.url.startsWith('node:')],
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
    let bucket = 'other';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      const rule = frame && RULES.find(([, match]) => match(frame));
      if (rule) {
        bucket = rule[0];
        break;
      }
    }
    bucketOf.set(id, bucket);
    return bucket;
  };
  const us = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const bucket = classify(id);
    us.set(bucket, (us.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const idleMs = (us.get('idle') ?? 0) / 1000;
  us.delete('idle');
  const busyMs = [...us.values()].reduce((a, b) => a + b, 0) / 1000;
  const shares = [...us]
    .map(([name, t]) => ({ name, ms: t / 1000, share: busyMs ? t / 1000 / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs, idleMs, shares };
}

/** The one profile a process wrote into `dir`. */
export async function readProfile(dir: string): Promise<Profile> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const [file] = files;
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
}
