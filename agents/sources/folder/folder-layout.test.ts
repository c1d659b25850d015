import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderLayout } from './folder-layout.ts';

const root = path.resolve('/srv/inbox');
const layout = (overrides: Partial<ConstructorParameters<typeof FolderLayout>[0]> = {}) =>
  new FolderLayout({
    path: root,
    archiveDir: 'archive',
    quarantineDir: 'quarantine',
    include: ['**/*'],
    exclude: [],
    recursive: false,
    ...overrides,
  });
const at = (name: string) => path.join(root, ...name.split('/'));

describe('which files of a watched folder are candidates', () => {
  it('takes final names only: not temporary, hidden, sidecar, archived or quarantined files', () => {
    const l = layout();
    expect(l.isCandidate(at('bank-2026-11-28.sta'))).toBe(true);
    for (const name of [
      'z.json.part',
      'z.json.tmp',
      'statement.xml.crdownload',
      '~$export.xlsx',
      '.hidden.csv',
      'x.partial',
      'bad.xml.error.txt',
    ]) {
      expect(l.isCandidate(at(name)), name).toBe(false);
    }
    expect(l.isCandidate(at('archive/2026-11-28/bank.sta'))).toBe(false);
    expect(l.isCandidate(at('quarantine/bank.sta'))).toBe(false);
    expect(l.isCandidate(path.resolve('/srv/other/bank.sta'))).toBe(false);
    expect(l.isIgnoredDir(at('archive'))).toBe(true);
    expect(l.isIgnoredDir(root)).toBe(false);
  });

  it('honours include and exclude globs, case-insensitively, by name or by path', () => {
    const l = layout({ include: ['*.sta', '*.XML', 'camt/**/*.xml'], exclude: ['*-test.*'], recursive: true });
    expect(l.isCandidate(at('BANK.STA'))).toBe(true);
    expect(l.isCandidate(at('day.xml'))).toBe(true);
    expect(l.isCandidate(at('deep/nested/day.xml'))).toBe(true);
    expect(l.isCandidate(at('notes.txt'))).toBe(false);
    expect(l.isCandidate(at('bank-test.sta'))).toBe(false);
    expect(l.relativeName(at('deep/nested/day.xml'))).toBe('deep/nested/day.xml');
  });

  it('stays in the top folder unless subfolders are configured', () => {
    expect(layout().isCandidate(at('sub/bank.sta'))).toBe(false);
    expect(layout().isIgnoredDir(at('sub'))).toBe(true);
    expect(layout({ recursive: true }).isCandidate(at('sub/bank.sta'))).toBe(true);
    expect(layout({ recursive: true }).isIgnoredDir(at('sub'))).toBe(false);
    expect(layout({ recursive: true, archiveDir: '/mnt/archive' }).isCandidate(at('archive/bank.sta'))).toBe(true);
  });
});
