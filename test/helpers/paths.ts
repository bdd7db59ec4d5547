/**
 * Where the tests' STIX comes from, named once: the small hand-written fixtures in test/fixtures/,
 * and the real ATT&CK bundles in the configured data folder (ATTACK_DATA_DIR, read by src/env.ts).
 */
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../src/env.ts';

export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures');

/** A file in test/fixtures/, such as `mini-enterprise.json`. */
export const fixturePath = (file: string) => path.join(FIXTURES_DIR, file);

export const MINI_ENTERPRISE = fixturePath('mini-enterprise.json');
export const MINI_ICS = fixturePath('mini-ics.json');

/** The path of a real bundle, such as `enterprise-attack-18.1`, in the configured data folder. */
export const bundlePath = (name: string) => path.join(loadConfig().attack.dataDir, `${name}.json`);

/**
 * What the v18-like -> v19-like fixtures' migration is asked about: every outcome the v19 shape
 * produces (rename in place, split tactic, revocations, a chain, a fork, unknowns, Sigma tags).
 */
export const V19_MIGRATION_ITEMS = [
  'T1003',
  'T1070',
  'T1134',
  'T1562.001',
  'T1027',
  'T1600',
  'T1218',
  'T1112',
  'T1685',
  'T9999',
  'TA0005',
  'defense-evasion',
  'credential-access',
  'attack.t1027',
  'attack.defense_evasion',
  'attack.g0007',
  'G0016',
];

/** The Atomic Red Team CSV indexes (index.csv and <platform>-index.csv), beside the ATT&CK bundles. */
export const atomicDir = () => path.resolve(loadConfig().attack.dataDir, '..', 'atomic');

/** The 349 real Sigma rules (SigmaHQ, see its README), beside the ATT&CK bundles: never copied here. */
export const SIGMA_DIR = path.join(loadConfig().attack.dataDir, '..', 'sigma');
