/**
 * Which paths of a watched folder are candidates: the folder's own archive and quarantine are not,
 * nor are files still being written under a temporary name (`*.tmp`, `*.part`, …: a file is taken
 * only under its final name, after the writer renamed it), hidden files, or what the globs exclude.
 */
import path from 'node:path';
import type { FolderSourceConfig } from '../../api/index.ts';

/** Names writers use while a file is incomplete; the final rename makes it a candidate. */
const TEMPORARY = [
  /\.(tmp|temp|part|partial|crdownload|download|filepart|swp)$/i,
  /^~\$/,
  /^\./,
  /\.error\.txt$/i,
  /\.duplicate\.txt$/i,
];

export class FolderLayout {
  readonly root: string;
  readonly archiveDir: string;
  readonly quarantineDir: string;
  private readonly include: string[];
  private readonly exclude: string[];
  private readonly recursive: boolean;

  constructor(
    config: Pick<FolderSourceConfig, 'path' | 'archiveDir' | 'quarantineDir' | 'include' | 'exclude' | 'recursive'>,
  ) {
    this.root = path.resolve(config.path);
    this.archiveDir = path.resolve(this.root, config.archiveDir);
    this.quarantineDir = path.resolve(this.root, config.quarantineDir);
    this.include = config.include.map((g) => g.toLowerCase());
    this.exclude = config.exclude.map((g) => g.toLowerCase());
    this.recursive = config.recursive;
  }

  /** The name a person knows the file by: its path below the watched folder, with `/`. */
  relativeName(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  /** A directory the watcher should not descend into. */
  isIgnoredDir(dir: string): boolean {
    const resolved = path.resolve(dir);
    if (resolved === this.root) return false;
    if (isInside(resolved, this.archiveDir) || isInside(resolved, this.quarantineDir)) return true;
    return !this.recursive || TEMPORARY.some((re) => re.test(path.basename(resolved)));
  }

  /** A file that may be imported once it is stable. */
  isCandidate(file: string): boolean {
    const resolved = path.resolve(file);
    if (!isInside(resolved, this.root) || resolved === this.root) return false;
    if (isInside(resolved, this.archiveDir) || isInside(resolved, this.quarantineDir)) return false;
    const relative = this.relativeName(resolved);
    if (!this.recursive && relative.includes('/')) return false;
    if (relative.split('/').some((part) => TEMPORARY.some((re) => re.test(part)))) return false;
    const lower = relative.toLowerCase();
    const matches = (glob: string) =>
      path.posix.matchesGlob(lower, glob) ||
      (!glob.includes('/') && path.posix.matchesGlob(path.posix.basename(lower), glob));
    return this.include.some(matches) && !this.exclude.some(matches);
  }
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
