// The little of fontkit (pdfkit's font engine) that infra/pdf-text.ts uses to pick a face for a character.
declare module 'fontkit' {
  export interface Font {
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Buffer): Font;
}
