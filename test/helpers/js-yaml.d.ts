/**
 * The one js-yaml function the tests use. js-yaml comes with electron-builder (a transitive
 * dependency, 4.x) and ships no types; @types/js-yaml is not installed, so this declares the part used.
 */
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
