// Text in any script on a PDF page. pdfkit draws one font per call and lays text out left to right, so a name
// like "Jörg Ænderson-Łukasz", "王小明", "김민준" or "محمد عبد الله" needs help: each line is cut into runs of one
// font (the first face that has every glyph) and one bidi level (the Unicode bidirectional algorithm, bidi-js),
// the runs are put in visual order (rule L2), and each run is drawn at its own x. fontkit shapes each run
// (Arabic joining, Hebrew and Arabic right to left within a run). Fonts are embedded and subset: only the
// glyphs used travel in the file, and `pdftotext` reads every name back as written.
import fs from 'node:fs';
import path from 'node:path';
import bidiFactory from 'bidi-js';
import * as fontkit from 'fontkit';

export type Weight = 'regular' | 'bold';

interface Face {
  name: string;
  files: Record<Weight, string>;
  /** Parsed on first use and kept for every later document: the CJK faces are 8 MB each and most statements
   *  never need them, and parsing DejaVu's tables again for each statement was a third of its render time. */
  parsed: Partial<Record<Weight, fontkit.Font>>;
}

/** A font file of an npm package; the @embedpdf packages export only their code (dist/), so their files are found beside it. */
function fontFile(pkg: string, file: string): string {
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch {
    return path.join(path.dirname(require.resolve(pkg)), '..', file);
  }
}

/**
 * In order of preference. DejaVu Sans covers Latin (with Vietnamese and Polish), Greek, Cyrillic, Arabic,
 * Hebrew and most symbols; Noto Sans Hans covers Han, kana and CJK punctuation; Noto Sans KR covers Hangul.
 */
const FACES: Face[] = [
  {
    name: 'dejavu',
    parsed: {},
    files: {
      regular: fontFile('dejavu-fonts-ttf', 'ttf/DejaVuSans.ttf'),
      bold: fontFile('dejavu-fonts-ttf', 'ttf/DejaVuSans-Bold.ttf'),
    },
  },
  {
    name: 'hans',
    parsed: {},
    files: {
      regular: fontFile('@embedpdf/fonts-sc', 'fonts/NotoSansHans-Regular.otf'),
      bold: fontFile('@embedpdf/fonts-sc', 'fonts/NotoSansHans-Bold.otf'),
    },
  },
  {
    name: 'kr',
    parsed: {},
    files: {
      regular: fontFile('@embedpdf/fonts-kr', 'fonts/NotoSansKR-Regular.otf'),
      bold: fontFile('@embedpdf/fonts-kr', 'fonts/NotoSansKR-Bold.otf'),
    },
  },
];

/** For the compact tables (hashes, sizes, file names in columns): embedded like the rest, as PDF/A requires. */
const MONO: Face = {
  name: 'mono',
  parsed: {},
  files: {
    regular: fontFile('dejavu-fonts-ttf', 'ttf/DejaVuSansMono.ttf'),
    bold: fontFile('dejavu-fonts-ttf', 'ttf/DejaVuSansMono-Bold.ttf'),
  },
};

const bidi = bidiFactory();

function parsed(face: Face, weight: Weight): fontkit.Font {
  face.parsed[weight] ??= fontkit.create(fs.readFileSync(face.files[weight]));
  return face.parsed[weight];
}

const coverage = (face: Face): fontkit.Font => parsed(face, 'regular');

/** The first face with a glyph for the character; DejaVu (which draws a box) when none has one. */
function faceFor(codePoint: number): Face {
  if (codePoint < 0x2e80) return FACES[0]!; // below the CJK blocks DejaVu answers, or nobody here does
  return FACES.find((face) => coverage(face).hasGlyphForCodePoint(codePoint)) ?? FACES[0]!;
}

interface Run {
  face: Face;
  level: number;
  text: string;
}

// Only Latin (to Latin Extended-B), general punctuation, the euro sign and arrows: one run in DejaVu, left to
// right, no analysis needed.
const SIMPLE = {
  test(text: string): boolean {
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (!(c <= 0x024f || (c >= 0x2000 && c <= 0x206f) || c === 0x20ac || (c >= 0x2190 && c <= 0x21ff))) return false;
    }
    return true;
  },
};

/** A line's runs in the order they are drawn, left to right. */
function visualRuns(text: string): Run[] {
  if (SIMPLE.test(text)) return [{ face: FACES[0]!, level: 0, text }];
  const { levels } = bidi.getEmbeddingLevels(text, 'ltr');
  const runs: Run[] = [];
  for (let i = 0; i < text.length;) {
    const codePoint = text.codePointAt(i)!;
    const length = codePoint > 0xffff ? 2 : 1;
    const char = text.slice(i, i + length);
    const last = runs.at(-1);
    // Spaces and punctuation stay in the run they sit in, so a name in one script is one run.
    const face = last && /[\s\p{P}]/u.test(char) && last.level === levels[i] ? last.face : faceFor(codePoint);
    if (last && last.face === face && last.level === levels[i]) last.text += char;
    else runs.push({ face, level: levels[i]!, text: char });
    i += length;
  }
  // Rule L2: from the highest level down to the lowest odd one, reverse every sequence of runs at that level or higher.
  const highest = Math.max(...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => (r.level % 2 === 1 ? r.level : Infinity)));
  let order = runs;
  for (let level = highest; level >= lowestOdd && level > 0; level -= 1) {
    const next: Run[] = [];
    for (let i = 0; i < order.length;) {
      if (order[i]!.level < level) {
        next.push(order[i]!);
        i += 1;
        continue;
      }
      let j = i;
      while (j < order.length && order[j]!.level >= level) j += 1;
      next.push(...order.slice(i, j).reverse());
      i = j;
    }
    order = next;
  }
  return order;
}

/**
 * A right-to-left run is laid out with its joining and ligature features named: fontkit then shapes it and
 * returns its glyphs in visual order, spaces included (left to its defaults, the words of a run came out in the
 * wrong order).
 */
const RTL = {
  features: ['rtla', 'init', 'medi', 'fina', 'isol', 'liga', 'rlig', 'calt'] as PDFKit.Mixins.OpenTypeFeatures[],
};

export interface TextStyle {
  size: number;
  weight?: Weight;
  color?: string;
}

/** The advance of every glyph of the monospaced face, in em. */
export function monoAdvance(): number {
  const font = parsed(MONO, 'regular');
  return font.glyphForCodePoint(0x4d).advanceWidth / font.unitsPerEm;
}

/** Draws and measures text in any script on one pdfkit document. */
export class PdfText {
  private readonly registered = new Set<string>();
  /** Each printable ASCII character's glyph in the monospaced face, as the two bytes of a raw `Tj` string. */
  private readonly monoGlyphs = new Map<string, string>();
  private readonly wordWidths = new Map<string, number>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  private use(face: Face, style: TextStyle): void {
    const weight = style.weight ?? 'regular';
    const id = `${face.name}-${weight}`;
    if (!this.registered.has(id)) {
      // pdfkit takes a parsed fontkit font as it is (and subsets it per document).
      this.doc.registerFont(id, parsed(face, weight) as unknown as string);
      this.registered.add(id);
    }
    this.doc.font(id).fontSize(style.size);
  }

  /** Selects the monospaced face at `size`; answers its resource name, for raw text operators. */
  mono(size: number): string {
    this.use(MONO, { size });
    return (this.doc as unknown as { _font: { id: string } })._font.id;
  }

  /**
   * Printable ASCII in the monospaced face (selected by `mono`) as a PDF string for a raw `Tj`, thousands of rows
   * without pdfkit's layout per call: each character is encoded once, which adds its glyph to the subset and to
   * the map `pdftotext` reads the text back with. The glyph ids go as bytes (two a glyph, escaped where a string
   * needs it), not hex: half the bytes to compress.
   */
  monoString(text: string): string {
    const font = (this.doc as unknown as { _font: { encode(text: string): [string[], unknown] } })._font;
    let bytes = '';
    for (const char of text) {
      let glyph = this.monoGlyphs.get(char);
      if (glyph === undefined) {
        const gid = parseInt(font.encode(char)[0].join(''), 16);
        glyph = [gid >> 8, gid & 0xff]
          .map((b) =>
            b === 0x28 || b === 0x29 || b === 0x5c
              ? `\\${String.fromCharCode(b)}`
              : b === 0x0d
                ? '\\r'
                : String.fromCharCode(b),
          )
          .join('');
        this.monoGlyphs.set(char, glyph);
      }
      bytes += glyph;
    }
    return `(${bytes})`;
  }

  /** How wide a line of text is, in points. */
  width(text: string, style: TextStyle): number {
    let width = 0;
    for (const run of visualRuns(text)) {
      this.use(run.face, style);
      width += this.doc.widthOfString(run.text, run.level % 2 === 1 ? RTL : {});
    }
    return width;
  }

  /** One line, its top at y, no wrapping. */
  line(text: string, x: number, y: number, style: TextStyle): void {
    const baseline = y + style.size * 0.93;
    this.doc.fillColor(style.color ?? 'black');
    let cx = x;
    for (const run of visualRuns(text)) {
      this.use(run.face, style);
      const options = { lineBreak: false, baseline: 'alphabetic' as const, ...(run.level % 2 === 1 ? RTL : {}) };
      this.doc.text(run.text, cx, baseline, options);
      cx += this.doc.widthOfString(run.text, options);
    }
    this.doc.fillColor('black');
  }

  /** A word's width (its trailing space included when given), remembered for the document. */
  private wordWidth(word: string, style: TextStyle): number {
    const key = `${style.size} ${style.weight ?? 'regular'} ${word}`;
    let known = this.wordWidths.get(key);
    if (known === undefined) {
      known = this.width(word, style);
      this.wordWidths.set(key, known);
    }
    return known;
  }

  /** The text cut to a width, with "…" where it was cut. */
  fit(text: string, width: number, style: TextStyle): string {
    if (this.width(text, style) <= width) return text;
    const chars = Array.from(text);
    let low = 0;
    let high = chars.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.width(`${chars.slice(0, mid).join('')}…`, style) <= width) low = mid;
      else high = mid - 1;
    }
    return `${chars.slice(0, low).join('')}…`;
  }

  /**
   * Lines of at most `width` points: words kept whole where they fit, cut where a word alone is wider. A line's
   * width is the sum of its words' (each measured once a document): measuring each longer candidate line whole
   * shaped every line once per word in it, most of a statement's drawing time.
   */
  wrap(text: string, width: number, style: TextStyle): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let current = '';
      let currentWidth = 0;
      for (const word of paragraph.split(/(?<=\s)/)) {
        if (current === '' || currentWidth + this.wordWidth(word.trimEnd(), style) <= width) {
          current += word;
          currentWidth += this.wordWidth(word, style);
          continue;
        }
        lines.push(current.trimEnd());
        current = word;
        currentWidth = this.wordWidth(word, style);
      }
      // A word wider than the line (a long hash, a file name) is cut into pieces that fit.
      let rest = current.trimEnd();
      while (rest && this.width(rest, style) > width) {
        const piece = this.fit(rest, width, style).slice(0, -1) || Array.from(rest)[0]!;
        lines.push(piece);
        rest = rest.slice(piece.length);
      }
      lines.push(rest);
    }
    return lines;
  }

  /**
   * A wrapped block from the top at (x, doc.y), one line after another, on a new page when the page is full.
   * Leaves doc.y under the block.
   */
  block(text: string, x: number, width: number, style: TextStyle, bottom: number, topOfNewPage: number): void {
    const lineHeight = style.size * 1.3;
    let y = this.doc.y;
    for (const line of this.wrap(text, width, style)) {
      if (y + lineHeight > bottom) {
        this.doc.addPage();
        y = topOfNewPage;
      }
      this.line(line, x, y, style);
      y += lineHeight;
    }
    this.doc.x = x;
    this.doc.y = y;
  }
}
