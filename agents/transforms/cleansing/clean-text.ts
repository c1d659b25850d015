/**
 * Text cleaning before comparison and sending: Unicode NFC (so "é" typed as e + combining accent equals
 * the precomposed "é" a cloud lookup stores), trimming, and optionally collapsing inner whitespace runs
 * (tabs, no-break spaces, line breaks) to one space, for names read from fixed-width ERP columns.
 */
export interface CleanTextOptions {
  /** Replace each run of whitespace inside the text with one space (default false: addresses keep line breaks). */
  collapseWhitespace?: boolean;
}

export function cleanText(text: string, options: CleanTextOptions = {}): string {
  const normalised = text.normalize('NFC').trim();
  return options.collapseWhitespace === true ? normalised.replace(/\s+/g, ' ') : normalised;
}
