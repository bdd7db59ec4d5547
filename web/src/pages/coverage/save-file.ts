/** Hands `value` to the browser as a JSON file download named `file`. */
export function saveJson(value: unknown, file: string): void {
  const href = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = href;
  link.download = file;
  link.click();
  URL.revokeObjectURL(href);
}
