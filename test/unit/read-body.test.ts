import { describe, expect, it } from 'vitest';
import { readLimited } from '../../src/http/read-body.ts';

const post = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request('http://test/graphql', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

const streamOf = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

describe('readLimited', () => {
  it('reads a body whose declared length is within the limit, as UTF-8', async () => {
    const text = '{"query":"{ technique(attackId: \\"T1003\\") { name } }","s":"é😀"}';
    const request = post(text, { 'content-length': String(Buffer.byteLength(text)) });
    expect(await readLimited(request, 1_000)).toBe(text);
  });

  it('refuses a declared length over the limit without reading the body', async () => {
    const request = post('x'.repeat(10), { 'content-length': '5000' });
    expect(await readLimited(request, 1_000)).toBeNull();
    expect(request.bodyUsed).toBe(false);
  });

  it('refuses a body longer than the limit even when its declared length is within it', async () => {
    // Over HTTP, Node hands over only the declared bytes; a Request built in process can say less than it holds.
    expect(await readLimited(post('x'.repeat(5000), { 'content-length': '10' }), 1_000)).toBeNull();
  });

  it('reads a body of no declared length up to the limit, and no further', async () => {
    expect(await readLimited(post(streamOf('x'.repeat(900))), 1_000)).toBe('x'.repeat(900));
    expect(await readLimited(post(streamOf('x'.repeat(5000))), 1_000)).toBeNull();
  });
});
