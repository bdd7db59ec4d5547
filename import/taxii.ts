import { download, type ImportLimits, sizeText } from './download.ts';
import { ImportError } from './errors.ts';
import { decodeUtf8 } from './read-text.ts';

/** `taxii+https://server/api-root/collections/<id>` (or `taxii+http://` on loopback, for tests). */
export const TAXII_SOURCE = /^taxii\+(https?:\/\/.+\/collections\/[^/]+)\/?$/;

const MEDIA_TYPE = 'application/taxii+json;version=2.1';

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`);

/**
 * Checks one TAXII envelope. `more` must be a JSON boolean: `"false"` as a string is refused, as
 * guessing would either loop on a truthy string or silently drop the rest of the collection.
 */
function envelopeOf(doc: unknown, url: URL): { more: boolean; next: string | null; objects: unknown[] } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ImportError(`TAXII server sent ${kind(doc)} instead of an envelope object for ${url}`);
  const { more, next, objects } = doc as Record<string, unknown>;
  if (more !== undefined && typeof more !== 'boolean')
    throw new ImportError(
      `TAXII server sent more: ${JSON.stringify(more)} (${kind(more)}) for ${url}: expected a boolean, true or false`,
    );
  if (next !== undefined && (typeof next !== 'string' || next === ''))
    throw new ImportError(
      `TAXII server sent next: ${JSON.stringify(next)} for ${url}: expected a non-empty string`,
    );
  if (objects !== undefined && !Array.isArray(objects))
    throw new ImportError(`TAXII server sent an envelope whose objects is not a list for ${url}`);
  return { more: more ?? false, next: next ?? null, objects: objects ?? [] };
}

/**
 * Reads every object of a TAXII 2.1 collection, following `more`/`next` paging. All pages together
 * stay under the size cap, a `next` seen before is a loop, and the page count is bounded.
 */
export async function readTaxiiCollection(
  source: string,
  limits: ImportLimits,
  addedAfter?: string,
): Promise<{ location: string; objects: unknown[] }> {
  const base = TAXII_SOURCE.exec(source)?.[1];
  if (!base)
    throw new ImportError(
      `${source} is not a TAXII source: expected taxii+https://<api-root>/collections/<id>`,
    );
  const location = `${base}/objects/`;
  const objects: unknown[] = [];
  const seen = new Set<string>();
  let next: string | null = null;
  let used = 0;
  for (let page = 0; ; page++) {
    if (page >= limits.maxPages)
      throw new ImportError(
        `TAXII collection ${location} has more than ${limits.maxPages} pages (IMPORT_MAX_PAGES)`,
      );
    const url = new URL(location);
    if (addedAfter) url.searchParams.set('added_after', addedAfter);
    if (next) url.searchParams.set('next', next);
    const bytes = await download(url, {
      accept: MEDIA_TYPE,
      limits,
      budget: limits.maxBytes - used,
      overBudget: `${url}: the collection's pages together are larger than ${sizeText(limits.maxBytes)} (IMPORT_MAX_BYTES)`,
      refused: (status, text) => `TAXII server answered HTTP ${status} ${text} for ${url}`,
    });
    used += bytes.length;
    let doc: unknown;
    try {
      doc = JSON.parse(decodeUtf8(bytes, String(url)));
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError(`TAXII server sent a page that is not JSON for ${url}`);
    }
    const envelope = envelopeOf(doc, url);
    objects.push(...envelope.objects);
    if (!envelope.more) return { location, objects };
    if (!envelope.next) throw new ImportError(`TAXII server said more=true without next for ${url}`);
    if (seen.has(envelope.next))
      throw new ImportError(
        `TAXII server sent next ${JSON.stringify(envelope.next)} a second time for ${url}: the paging loops`,
      );
    seen.add(envelope.next);
    next = envelope.next;
  }
}
