/**
 * Generated README sections live between `<!-- BEGIN GENERATED: name -->` and
 * `<!-- END GENERATED: name -->`; everything outside the markers is left byte for byte as it was.
 */

export function beginMarker(name: string): string {
  return `<!-- BEGIN GENERATED: ${name} -->`;
}

export function endMarker(name: string): string {
  return `<!-- END GENERATED: ${name} -->`;
}

/** Replaces what is between the markers of `name` with `body`; throws when the markers are not there exactly once, in order. */
export function replaceGeneratedSection(text: string, name: string, body: string): string {
  const begin = beginMarker(name);
  const end = endMarker(name);
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop === -1) {
    throw new Error(
      `README has no ${start === -1 ? begin : end} marker; add both markers where the "${name}" section belongs.`,
    );
  }
  if (text.indexOf(begin, start + 1) !== -1 || text.indexOf(end, stop + 1) !== -1) {
    throw new Error(`README has the "${name}" markers more than once.`);
  }
  if (stop < start) throw new Error(`README has ${end} before ${begin}.`);
  return `${text.slice(0, start + begin.length)}\n${body.trim()}\n${text.slice(stop)}`;
}
