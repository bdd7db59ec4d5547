export interface ByteLruOptions {
  /** Most bytes the entries may hold together; an entry larger than this alone is never kept. */
  maxBytes: number;
  maxEntries: number;
  /** Entries older than this miss (and are dropped when met). */
  ttlMs: number;
}

/**
 * What one entry costs besides its value: the Map slot, the entry object, and a 43-character key
 * (a base64url SHA-256). An estimate, so that many tiny entries still count for something.
 */
export const ENTRY_OVERHEAD_BYTES = 128;

/**
 * The bytes a string holds: its UTF-8 length, which is at least what V8 stores for it (one byte a
 * character for Latin-1 strings, two otherwise), so the budget bounds the memory from above.
 */
export function bytesOf(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

interface Entry {
  value: string;
  bytes: number;
  expires: number;
}

/**
 * A least-recently-used map of strings, bounded in bytes and in entries, whose entries expire.
 * Values are strings so that their size is known exactly, rather than guessed from an object graph.
 */
export function createByteLru({ maxBytes, maxEntries, ttlMs }: ByteLruOptions) {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recent first.
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };
  return {
    get(key: string): string | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      remove(key);
      if (entry.expires <= Date.now()) return undefined;
      entries.set(key, entry);
      bytes += entry.bytes;
      return entry.value;
    },
    /** Keeps `value` unless it alone exceeds the budget; evicts the least recent until it fits. */
    set(key: string, value: string): boolean {
      remove(key);
      const size = bytesOf(value) + key.length + ENTRY_OVERHEAD_BYTES;
      if (size > maxBytes) return false;
      for (const oldest of entries.keys()) {
        if (bytes + size <= maxBytes && entries.size < maxEntries) break;
        remove(oldest);
      }
      entries.set(key, { value, bytes: size, expires: Date.now() + ttlMs });
      bytes += size;
      return true;
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    get size() {
      return entries.size;
    },
    /** What the entries count for against `maxBytes`. */
    get bytes() {
      return bytes;
    },
  };
}

export type ByteLru = ReturnType<typeof createByteLru>;
