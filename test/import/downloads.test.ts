import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ImportLimits } from '../../import/download.ts';
import { ImportError, importSource } from '../../import/index.ts';
import { type Baseline, miniIcsBaseline } from '../helpers/baseline.ts';
import type { TestDb } from '../helpers/db.ts';
import { graphDigest } from '../helpers/graph.ts';
import { MINI_ENTERPRISE, MINI_ICS } from '../helpers/paths.ts';

/*
 * Replays what an outside probe did to the importer: an endless body, a server that never answers,
 * a TAXII `next` that repeats. Small limits keep each case to a fraction of a second.
 */

const MEDIA = 'application/taxii+json;version=2.1';
const limits: ImportLimits = { maxBytes: 1024 * 1024, timeoutMs: 400, downloadTimeoutMs: 5_000, maxPages: 5 };

let db: TestDb;
let server: Server;
let base: string;
let dir: string;
let fixture: Buffer;
let before: Baseline['before'];
const requests: string[] = [];
const open = new Set<ServerResponse>();

/** Writes 64 KB chunks for as long as the client reads. */
function endless(res: ServerResponse) {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"type": "bundle", "objects": [');
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {}
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

const envelope = (res: ServerResponse, body: unknown) =>
  res.writeHead(200, { 'content-type': MEDIA }).end(JSON.stringify(body));

beforeAll(async () => {
  ({ db, before, dir } = await miniIcsBaseline('attack-graph-dl-'));
  fixture = await readFile(MINI_ENTERPRISE);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname + url.search);
    const collection = /^\/taxii\/([a-z-]+)\/collections\/c\/objects\/$/.exec(url.pathname)?.[1];
    const next = Number(url.searchParams.get('next') ?? 0);
    open.add(res);
    res.on('close', () => open.delete(res));
    switch (url.pathname) {
      case '/endless.json':
        return endless(res);
      case '/declared.json':
        return res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end();
      case '/hang.json':
        return; // never answers
      case '/stall.json':
        return res.writeHead(200).write('{"type": "bundle", "objects": ['); // then nothing more
      case '/bundle.json.gz':
        return res.writeHead(200, { 'content-type': 'application/gzip' }).end(gzipSync(fixture));
      case '/bomb.json.gz':
        return res.end(gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)));
    }
    switch (collection) {
      case 'repeat':
        return envelope(res, { more: true, next: 'same', objects: [] });
      case 'counting':
        return envelope(res, { more: true, next: String(next + 1), objects: [] });
      case 'null':
        return envelope(res, null);
      case 'string-more':
        return envelope(res, { more: 'false', objects: JSON.parse(fixture.toString()).objects });
      case 'heavy':
        // Each page is under the cap; together they are over it.
        return envelope(res, { more: true, next: String(next + 1), objects: [' '.repeat(400 * 1024)] });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  server.close();
  await db.close();
});

async function refusal(source: string, options: { limits?: ImportLimits } = { limits }) {
  const error = await importSource(db.executor, source, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(await graphDigest(db.executor)).toEqual(before);
  return message;
}

describe('downloads are bounded', () => {
  it('stops an endless body at the size cap, counting bytes as they arrive', async () => {
    const message = await refusal(`${base}/endless.json`);
    expect(message).toBe(`${base}/endless.json: the response is larger than 1 MB (IMPORT_MAX_BYTES)`);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    expect(await refusal(`${base}/declared.json`)).toMatch(/larger than 1 MB \(IMPORT_MAX_BYTES\)$/);
  });

  it('gives up on a server that never answers', async () => {
    expect(await refusal(`${base}/hang.json`)).toBe(
      `${base}/hang.json: no answer for 0.4 s (IMPORT_TIMEOUT_MS)`,
    );
  });

  it('gives up on a body that stops arriving', async () => {
    expect(await refusal(`${base}/stall.json`)).toMatch(
      /stall\.json: no answer for 0\.4 s \(IMPORT_TIMEOUT_MS\)$/,
    );
  });

  it('gives up on a download that takes too long in all, even while bytes trickle in', async () => {
    const trickle = { ...limits, maxBytes: 1e9, timeoutMs: 1_000, downloadTimeoutMs: 500 };
    expect(await refusal(`${base}/endless.json`, { limits: trickle })).toMatch(
      /took longer than 0\.5 s \(IMPORT_DOWNLOAD_TIMEOUT_MS\)$/,
    );
  });

  it('stops a file at the size cap too, even one with no size (a device)', async () => {
    expect(await refusal('/dev/zero')).toBe('/dev/zero: the file is larger than 1 MB (IMPORT_MAX_BYTES)');
  });

  it('defaults to a cap of 256 MB and a 30 s timeout', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBytes: 256 * 1024 * 1024,
      timeoutMs: 30_000,
      downloadTimeoutMs: 600_000,
      maxPages: 2_000,
    });
  });
});

describe('TAXII paging is bounded', () => {
  it('stops at a repeated next after two requests', async () => {
    requests.length = 0;
    const message = await refusal(`taxii+${base}/taxii/repeat/collections/c`);
    expect(message).toMatch(/TAXII server sent next "same" a second time for .*: the paging loops$/);
    expect(requests.length).toBe(2);
  });

  it('stops at the page bound when next never repeats', async () => {
    requests.length = 0;
    const message = await refusal(`taxii+${base}/taxii/counting/collections/c`);
    expect(message).toMatch(/has more than 5 pages \(IMPORT_MAX_PAGES\)$/);
    expect(requests.length).toBe(5);
  });

  it('counts every page against the size cap', async () => {
    expect(await refusal(`taxii+${base}/taxii/heavy/collections/c`)).toMatch(
      /next=2: the collection's pages together are larger than 1 MB \(IMPORT_MAX_BYTES\)$/,
    );
  });

  it('refuses a null envelope in one line', async () => {
    expect(await refusal(`taxii+${base}/taxii/null/collections/c`)).toMatch(
      /^TAXII server sent null instead of an envelope object for /,
    );
  });

  it('refuses more: "false" sent as a string, naming the field and the boolean it expected', async () => {
    expect(await refusal(`taxii+${base}/taxii/string-more/collections/c`)).toMatch(
      /^TAXII server sent more: "false" \(a string\) for .*: expected a boolean, true or false$/,
    );
  });
});

describe('gzip', () => {
  it('accepts a gzip file and a gzip download, building the graph the plain file builds', async () => {
    await db.reset();
    await importSource(db.executor, MINI_ENTERPRISE);
    const plain = await graphDigest(db.executor, { attackOnly: true });
    const file = path.join(dir, 'mini-enterprise.json.gz');
    await writeFile(file, gzipSync(fixture));
    for (const source of [file, `${base}/bundle.json.gz`]) {
      await db.reset();
      const report = await importSource(db.executor, source, { limits });
      expect(report.input).toBe(JSON.parse(fixture.toString()).objects.length);
      expect(await graphDigest(db.executor, { attackOnly: true })).toEqual(plain);
    }
    await db.reset();
    await importSource(db.executor, MINI_ICS);
    before = await graphDigest(db.executor);
  });

  it('applies the size cap to the decompressed bytes', async () => {
    expect(await refusal(`${base}/bomb.json.gz`)).toBe(
      `${base}/bomb.json.gz: decompressed, the gzip data is larger than 1 MB (IMPORT_MAX_BYTES)`,
    );
  });
});
