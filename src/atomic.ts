/*
 * The vocabulary of Atomic Red Team tests, shared by the importer (import/atomic/) and the API that
 * reads them (src/data/atomic.ts): the stored shape of a test and Atomic's platform keys.
 */

/** One test (a GUID) as stored: one test even when the index files it under several tactics. */
export interface AtomicTest {
  guid: string;
  name: string;
  techniqueId: string;
  techniqueName: string;
  /** Every tactic the index files it under, in the order first met. */
  tactics: string[];
  testNumber: number;
  executor: string;
  /** Atomic's platform keys (`windows`, `linux`, `iaas:aws`...); empty when the index gave none. */
  platforms: string[];
}

/** Atomic's platform keys are lower-case and hyphenated (`windows`, `azure-ad`, `iaas:aws`). */
export const platformKey = (name: string) => name.trim().toLowerCase().replace(/\s+/g, '-');

/*
 * Platforms: Atomic Red Team names them its own way (`windows`, `macos`, `azure-ad`, `office-365`,
 * `iaas:aws`); ATT&CK's are `Windows`, `macOS`, `Identity Provider`, `Office Suite`, `IaaS`. A
 * platform argument may be either: it is matched against the keys of the tests' index files.
 */

/** ATT&CK platform (lower-case) -> the Atomic platform keys that run on it. */
const ATTACK_TO_ATOMIC: Record<string, readonly string[]> = {
  windows: ['windows'],
  macos: ['macos'],
  linux: ['linux'],
  containers: ['containers'],
  esxi: ['esxi'],
  iaas: ['iaas', 'iaas:aws', 'iaas:azure', 'iaas:gcp'],
  'office suite': ['office-365', 'google-workspace'],
  'identity provider': ['azure-ad'],
  saas: ['saas', 'google-workspace', 'office-365'],
  'azure ad': ['azure-ad'],
  'office 365': ['office-365'],
  'google workspace': ['google-workspace'],
};

/** The Atomic platform keys a platform argument selects (an Atomic key selects itself). */
export function atomicPlatformKeys(platform: string): string[] {
  const mapped = ATTACK_TO_ATOMIC[platform.trim().toLowerCase().replace(/\s+/g, ' ')];
  return [...new Set([...(mapped ?? []), platformKey(platform)])];
}
