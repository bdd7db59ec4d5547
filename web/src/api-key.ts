/**
 * The API key a browser user entered (API_KEYS in production). Kept in sessionStorage: it lasts
 * as long as the tab and is sent only as `Authorization: Bearer <key>` to this origin.
 */
const STORAGE = 'attack-graph-api-key';

export const readApiKey = (): string => sessionStorage.getItem(STORAGE) ?? '';

export function saveApiKey(key: string): void {
  if (key) sessionStorage.setItem(STORAGE, key);
  else sessionStorage.removeItem(STORAGE);
}

export const authHeaders = (): Record<string, string> => {
  const key = readApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
};
