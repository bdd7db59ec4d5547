import { ImportError } from './errors.ts';

/** `taxii+https://server/api-root/collections/<id>` (or `taxii+http://` on loopback, for tests). */
export const TAXII_SOURCE = /^taxii\+(https?:\/\/.+\/collections\/[^/]+)\/?$/;

const MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** A bound on pages, so a server that always says `more` cannot keep the importer forever. */
const MAX_PAGES = 10_000;

interface Envelope {
  more?: boolean;
  next?: string;
  objects?: unknown[];
}

/** Reads every object of a TAXII 2.1 collection, following `more`/`next` paging. */
export async function readTaxiiCollection(
  source: string,
  addedAfter?: string,
): Promise<{ location: string; objects: unknown[] }> {
  const base = TAXII_SOURCE.exec(source)?.[1];
  if (!base)
    throw new ImportError(
      `${source} is not a TAXII source: expected taxii+https://<api-root>/collections/<id>`,
    );
  const location = `${base}/objects/`;
  const objects: unknown[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(location);
    if (addedAfter) url.searchParams.set('added_after', addedAfter);
    if (next) url.searchParams.set('next', next);
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: MEDIA_TYPE } });
    } catch (err) {
      throw new ImportError(`cannot fetch ${url}: ${(err as Error).cause ?? (err as Error).message}`);
    }
    if (!res.ok)
      throw new ImportError(`TAXII server answered HTTP ${res.status} ${res.statusText} for ${url}`);
    let envelope: Envelope;
    try {
      envelope = (await res.json()) as Envelope;
    } catch {
      throw new ImportError(`TAXII server sent a page that is not JSON for ${url}`);
    }
    if (envelope.objects !== undefined && !Array.isArray(envelope.objects)) {
      throw new ImportError(`TAXII server sent an envelope whose objects is not a list for ${url}`);
    }
    objects.push(...(envelope.objects ?? []));
    if (!envelope.more) return { location, objects };
    if (!envelope.next) throw new ImportError(`TAXII server said more=true without next for ${url}`);
    next = envelope.next;
  }
  throw new ImportError(`TAXII collection ${location} has more than ${MAX_PAGES} pages`);
}
