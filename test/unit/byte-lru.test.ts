import { describe, expect, it } from 'vitest';
import { bytesOf, createByteLru, ENTRY_OVERHEAD_BYTES } from '../../src/http/byte-lru.ts';

const KEY = (i: number) => `key-${String(i).padStart(4, '0')}`;
const cost = (key: string, value: string) => bytesOf(value) + key.length + ENTRY_OVERHEAD_BYTES;

describe('byte-bounded LRU', () => {
  it('never holds more bytes than its budget, evicting the least recently used first', () => {
    const maxBytes = 4_096;
    const lru = createByteLru({ maxBytes, maxEntries: 1_000_000, ttlMs: 60_000 });
    const values = Array.from({ length: 200 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i * 3)}"}`);
    for (const [i, value] of values.entries()) {
      lru.set(KEY(i), value);
      expect(lru.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // The total is exactly what the entries held count for.
    let held = 0;
    for (const [i, value] of values.entries()) if (lru.get(KEY(i)) === value) held += cost(KEY(i), value);
    expect(held).toBe(lru.bytes);
    // The newest stayed; the oldest were evicted and miss.
    expect(lru.get(KEY(199))).toBe(values[199]);
    expect(lru.get(KEY(0))).toBeUndefined();
    expect(lru.size).toBeLessThan(values.length);
  });

  it('keeps an entry that is read, and evicts the one that is not', () => {
    const value = 'v'.repeat(100);
    const one = cost(KEY(0), value);
    const lru = createByteLru({ maxBytes: one * 3, maxEntries: 100, ttlMs: 60_000 });
    for (const i of [0, 1, 2]) lru.set(KEY(i), value);
    expect(lru.get(KEY(0))).toBe(value); // 0 is now the most recent; 1 the least
    lru.set(KEY(3), value);
    expect(lru.get(KEY(1))).toBeUndefined();
    expect(lru.get(KEY(0))).toBe(value);
    expect(lru.bytes).toBe(one * 3);
  });

  it('counts multi-byte characters by their UTF-8 size', () => {
    const lru = createByteLru({ maxBytes: 10_000, maxEntries: 100, ttlMs: 60_000 });
    lru.set('k', '€'.repeat(100)); // three bytes each in UTF-8
    expect(lru.bytes).toBe(300 + 1 + ENTRY_OVERHEAD_BYTES);
  });

  it('does not keep an entry larger than the whole budget, and leaves the others alone', () => {
    const lru = createByteLru({ maxBytes: 2_048, maxEntries: 100, ttlMs: 60_000 });
    lru.set('small', 'a');
    expect(lru.set('huge', 'x'.repeat(2_048))).toBe(false);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('small')).toBe('a');
    expect(lru.bytes).toBe(cost('small', 'a'));
  });

  it('replacing a key counts only its new value', () => {
    const lru = createByteLru({ maxBytes: 10_000, maxEntries: 100, ttlMs: 60_000 });
    lru.set('k', 'x'.repeat(500));
    lru.set('k', 'y'.repeat(10));
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(cost('k', 'y'.repeat(10)));
  });

  it('still bounds the number of entries, and forgets expired ones', async () => {
    const lru = createByteLru({ maxBytes: 1_000_000, maxEntries: 3, ttlMs: 30 });
    for (const i of [0, 1, 2, 3]) lru.set(KEY(i), 'v');
    expect(lru.size).toBe(3);
    expect(lru.get(KEY(0))).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(lru.get(KEY(3))).toBeUndefined();
    expect(lru.size).toBe(2);
    lru.clear();
    expect(lru.bytes).toBe(0);
  });
});
