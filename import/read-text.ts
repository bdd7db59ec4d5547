import { ImportError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The offset of the first byte that does not belong to well-formed UTF-8, or -1. */
export function invalidUtf8Offset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const b1 = b[i + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF.
    if (
      (c === 0xe0 && b1 < 0xa0) ||
      (c === 0xed && b1 > 0x9f) ||
      (c === 0xf0 && b1 < 0x90) ||
      (c === 0xf4 && b1 > 0x8f)
    )
      return i;
    i += n + 1;
  }
  return -1;
}

/** Decodes UTF-8, refusing bad bytes: a silent U+FFFD would change names and descriptions unnoticed. */
export function decodeUtf8(bytes: Uint8Array, location: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const at = invalidUtf8Offset(bytes);
    throw new ImportError(
      `${location} is not valid UTF-8: byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at}`,
    );
  }
}
