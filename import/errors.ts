/** An expected failure of an import: its message is one clear line for the user. */
export class ImportError extends Error {
  override name = 'ImportError';
}
