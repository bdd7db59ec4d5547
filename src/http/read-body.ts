/** An upload's body as UTF-8 text, or null when it is larger than `maxBytes` (read no further than that). */
export async function readLimited(request: Request, maxBytes: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) return null;
    // Node's HTTP parser hands over no more than the declared length, so the body can be read
    // whole, without the web stream reader (a measurable share of a small request's CPU).
    const text = await request.text();
    return Buffer.byteLength(text) > maxBytes ? null : text;
  }
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
