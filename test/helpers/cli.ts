import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/env.ts';
import { testConfig } from './db.ts';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run import -- args` the way a user would (without npm, so its exit code is the CLI's),
 * against the test database, with `env` on top. Never rejects: a failed run resolves with its code.
 */
export function importCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { uri, user, password, database } = testConfig().neo4j;
  return run(process.execPath, ['--import', 'tsx', 'import/cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NEO4J_URI: uri,
      NEO4J_USER: user,
      NEO4J_PASSWORD: password,
      NEO4J_DATABASE: database,
      ...env,
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: CliResult) => err,
  );
}
