// A vendor's file name becomes a ZIP entry and a line on a page: keep its words, drop anything that could
// climb out of a folder or hide in a terminal.
export class UnsafeFileNameError extends Error {
  override name = 'UnsafeFileNameError';
}

export function safeFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this replaces
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  if (!cleaned) throw new UnsafeFileNameError(`"${raw.slice(0, 100)}" is not a usable file name`);
  return cleaned;
}
