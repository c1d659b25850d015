/**
 * The external corpus: real files and databases no one on this project wrote (bank statements from
 * public parsers' test suites with their expected results, Sakila, Chinook, the uniCenta and OSPOS
 * POS schemas; provenance and licences in its SOURCES.md). It is not part of the repository, so every
 * test reads it from this one place: `TYA_FIXTURES`, by default `../shared/fixtures` beside the
 * repository. When it is absent those tests skip and the run prints one line (global-setup.ts) saying
 * so; everything else, every file format included, runs on fixtures the project owns.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CORPUS_ENV = 'TYA_FIXTURES';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Where the corpus is looked for: `$TYA_FIXTURES`, relative paths from the repository root. */
export function externalCorpusDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CORPUS_ENV];
  return path.resolve(REPO_ROOT, configured === undefined || configured === '' ? '../shared/fixtures' : configured);
}

/** The corpus counts as present when its index, SOURCES.md, is there (an empty folder is absent). */
export function hasExternalCorpus(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(path.join(externalCorpusDir(env), 'SOURCES.md'));
}

/** A path inside the corpus, e.g. `corpusPath('bank', 'ofx')`. */
export function corpusPath(...parts: string[]): string {
  return path.join(externalCorpusDir(), ...parts);
}

/** The one line a run prints when the corpus is absent. */
export function corpusSkippedLine(env: NodeJS.ProcessEnv = process.env): string {
  return (
    `External corpus skipped: no real bank files, Sakila, Chinook or POS schemas at ${externalCorpusDir(env)}; ` +
    `the tests that read them are skipped (set ${CORPUS_ENV}=/path/to/fixtures to run them).`
  );
}
