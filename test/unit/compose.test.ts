import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { API_NODE_FLAGS } from '../../src/cluster.ts';
import { PROJECT_ROOT } from '../../src/env.ts';
import { NEO4J_VERSION } from '../../src/local-neo4j/index.ts';
import { NEO4J_IMAGE } from '../setup/neo4j-image.ts';

const read = (file: string) => readFile(path.join(PROJECT_ROOT, file), 'utf8');

const service = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
});
const compose = z.object({
  services: z.object({ neo4j: service, import: service, api: service }),
  volumes: z.record(z.string(), z.unknown().nullable()),
});

describe('docker-compose.yml', () => {
  it('runs the same Neo4j version as the local server and the tests', async () => {
    const { services } = compose.parse(parse(await read('docker-compose.yml')));
    expect(services.neo4j.image).toBe(`neo4j:${NEO4J_VERSION}-community`);
    expect(services.neo4j.image).toBe(NEO4J_IMAGE);
  });

  it('keeps Neo4j data in a named volume and checks its health with a query', async () => {
    const config = compose.parse(parse(await read('docker-compose.yml')));
    const data = config.services.neo4j.volumes?.find((v) => v.endsWith(':/data'));
    expect(data).toBeDefined();
    expect(Object.keys(config.volumes)).toContain(data?.split(':')[0]);
    expect(config.services.neo4j.healthcheck?.test.join(' ')).toContain('RETURN 1');
  });

  it('imports once, then serves, both from the repository image and only after Neo4j is healthy', async () => {
    const { services } = compose.parse(parse(await read('docker-compose.yml')));
    expect(services.api.build).toBe('.');
    expect(services.import.image).toBe(services.api.image);
    expect(String(services.import.command)).toMatch(/npm,?\s*run,?\s*import/);
    expect(services.import.depends_on?.neo4j?.condition).toBe('service_healthy');
    expect(services.api.depends_on?.neo4j?.condition).toBe('service_healthy');
    expect(services.api.depends_on?.import?.condition).toBe('service_completed_successfully');
    expect(services.api.environment).toMatchObject({
      HOST: '0.0.0.0',
      PORT: '4000',
      NEO4J_URI: 'bolt://neo4j:7687',
    });
  });
});

describe('the test database', () => {
  it('uses the same image constant for testcontainers', async () => {
    const setup = await read('test/setup/global-setup.ts');
    expect(setup).toMatch(/import \{ NEO4J_IMAGE \} from '\.\/neo4j-image\.ts'/);
    expect(setup).toContain('new Neo4jContainer(NEO4J_IMAGE)');
    // No second, hand-written tag that could drift.
    expect(setup).not.toMatch(/['"`]neo4j:\d/);
  });
});

describe('the Node flags of the API', () => {
  it('are the same in npm start, the Dockerfile and the README', async () => {
    const flags = API_NODE_FLAGS.join(' ');
    expect(pkg.scripts.start).toContain(`node ${flags} --import tsx scripts/start.ts`);
    const cmd = /^CMD (\[.*\])$/m.exec(await read('Dockerfile'));
    expect(JSON.parse(cmd?.[1] ?? '[]')).toEqual([
      'node',
      ...API_NODE_FLAGS,
      '--import',
      'tsx',
      'scripts/start.ts',
    ]);
    expect(await read('README.md')).toContain(`node ${flags} --import tsx scripts/start.ts`);
  });
});

describe('Dockerfile', () => {
  it('builds on a Node version the package supports', async () => {
    const from = /^FROM node:(\d+)\.(\d+)-slim$/m.exec(await read('Dockerfile'));
    const min = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(from).not.toBeNull();
    expect(min).not.toBeNull();
    const [major, minor] = [Number(from?.[1]), Number(from?.[2])];
    const [minMajor, minMinor] = [Number(min?.[1]), Number(min?.[2])];
    expect(major > minMajor || (major === minMajor && minor >= minMinor)).toBe(true);
  });
});
