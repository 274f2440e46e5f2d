// The little of fontkit (pdfkit's font engine) that infra/statement/pdf-text.ts uses: to pick a face for a character, and
// the advance of the monospaced face.
declare module 'fontkit' {
  export interface Font {
    unitsPerEm: number;
    hasGlyphForCodePoint(codePoint: number): boolean;
    glyphForCodePoint(codePoint: number): { advanceWidth: number };
  }
  export function create(buffer: Buffer): Font;
}
