// Sizes as people write them: a number of bytes, or a number with KiB, MiB, GiB or TiB (with or without a space).

const UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** The pattern a size is written in (the API document shows it). */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([KkMmGgTt][Ii][Bb]|[Bb])?\\s*$';
const SIZE = new RegExp(SIZE_PATTERN);

/**
 * The bytes a size stands for ("200 GiB", "1.5TiB", "4096"), or undefined for anything else. A size beyond what
 * a number holds exactly (8 PiB) is taken as that much: no limit anyone would reach.
 */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  if (!SIZE.test(text)) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text)!;
  const bytes = Number(match[1]) * UNITS[(match[2] || 'b').toLowerCase()]!;
  return Number.isFinite(bytes) ? Math.min(Math.round(bytes), Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
}

/** A size in the largest unit that keeps it whole or nearly: "100 GiB", "1.5 TiB", "512 KiB", "900 B". */
export function sizeInWords(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}
