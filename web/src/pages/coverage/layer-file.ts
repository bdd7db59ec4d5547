/** The technique IDs of an uploaded ATT&CK Navigator layer, or why the file is not one. */
export type LayerRead = { ok: true; ids: string[] } | { ok: false; problem: string };

const ID = /^T\d{4}(?:\.\d{3})?$/;

export function readLayer(text: string): LayerRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      problem: 'This file is not JSON, so it is not a Navigator layer. Nothing was changed.',
    };
  }
  const techniques = (parsed as { techniques?: unknown } | null)?.techniques;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(techniques)) {
    return {
      ok: false,
      problem: 'This JSON is not a Navigator layer: it has no "techniques" list. Nothing was changed.',
    };
  }
  const ids: string[] = [];
  for (const [i, entry] of techniques.entries()) {
    const id = (entry as { techniqueID?: unknown } | null)?.techniqueID;
    if (typeof id !== 'string' || !ID.test(id)) {
      return {
        ok: false,
        problem: `Entry ${i + 1} of "techniques" has no valid techniqueID (such as T1003.001). Nothing was changed.`,
      };
    }
    if ((entry as { enabled?: unknown }).enabled !== false && !ids.includes(id)) ids.push(id);
  }
  if (ids.length === 0) return { ok: false, problem: 'This layer lists no techniques. Nothing was changed.' };
  return { ok: true, ids };
}
