/*
 * Atomic Red Team names platforms its own way (`windows`, `macos`, `azure-ad`, `office-365`,
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
  const name = platform.trim().toLowerCase().replace(/\s+/g, ' ');
  const mapped = ATTACK_TO_ATOMIC[name];
  const own = name.replace(/ /g, '-');
  return [...new Set([...(mapped ?? []), own])];
}
