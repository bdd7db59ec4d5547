/** `npm run schema:print`: writes the printed, sorted schema to schema.graphql (test/unit/schema.test.ts guards it). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { PROJECT_ROOT } from '../src/env.ts';
import { schema } from '../src/schema/index.ts';

const file = path.join(PROJECT_ROOT, 'schema.graphql');
await writeFile(file, `${printSchema(lexicographicSortSchema(schema))}\n`);
console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
