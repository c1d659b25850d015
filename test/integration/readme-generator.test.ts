/**
 * scripts/update-readme.ts: the generated sections replace only what is between their markers, the
 * guarantee table refuses to name a file that does not exist, and the performance table shows the
 * figures and the machine of a summary it is given.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { benchRow } from '../../bench/lib/bench-result.ts';
import type { BenchSummary } from '../../bench/lib/summary.ts';
import type { Guarantee } from '../../scripts/readme/guarantee-table.ts';
import { collectGuarantees, renderGuarantees } from '../../scripts/readme/guarantees-section.ts';
import { renderPerformance } from '../../scripts/readme/performance-section.ts';
import { replaceGeneratedSection } from '../../scripts/readme/replace-section.ts';
import { updateReadme } from '../../scripts/update-readme.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tya-readme-'));
  dirs.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

const README = [
  '# Title',
  'intro',
  '<!-- BEGIN GENERATED: guarantees -->',
  'old guarantees',
  '<!-- END GENERATED: guarantees -->',
  'between',
  '<!-- BEGIN GENERATED: performance -->',
  'old performance',
  'more old lines',
  '<!-- END GENERATED: performance -->',
  'tail',
].join('\n');

const TABLE: Guarantee[] = [
  { number: 1, title: 'Once', promise: 'p1', proofs: [{ file: 'test/a.test.ts', shows: 'a shows it' }] },
  { number: 2, title: 'Atomic', promise: 'p2', proofs: [] },
];

describe('replaceGeneratedSection', () => {
  it('replaces only the text between the markers and keeps everything else byte for byte', () => {
    const out = replaceGeneratedSection(README, 'performance', 'NEW');
    expect(out).not.toContain('old performance');
    expect(out).toContain('<!-- BEGIN GENERATED: performance -->\nNEW\n<!-- END GENERATED: performance -->');
    const [before, after] = out.split('NEW');
    expect(README.startsWith(before!.replace(/\n$/, ''))).toBe(true);
    expect(README.endsWith(after!.replace(/^\n/, ''))).toBe(true);
  });

  it('is idempotent: running it twice gives the same text', () => {
    const once = replaceGeneratedSection(README, 'guarantees', 'G');
    expect(replaceGeneratedSection(once, 'guarantees', 'G')).toBe(once);
  });

  it('refuses a README without the markers, with them twice, or in the wrong order', () => {
    expect(() => replaceGeneratedSection('# no markers', 'guarantees', 'x')).toThrow(
      /no <!-- BEGIN GENERATED: guarantees -->/,
    );
    const twice = `${README}\n<!-- BEGIN GENERATED: guarantees -->\n<!-- END GENERATED: guarantees -->`;
    expect(() => replaceGeneratedSection(twice, 'guarantees', 'x')).toThrow(/more than once/);
    const swapped = '<!-- END GENERATED: guarantees -->\n<!-- BEGIN GENERATED: guarantees -->';
    expect(() => replaceGeneratedSection(swapped, 'guarantees', 'x')).toThrow(/before/);
  });
});

describe('the guarantees section', () => {
  it('lists the table and the files that tag themselves, each once', () => {
    const root = tree({
      'test/a.test.ts': '// @guarantee 1 also tagged, listed once\n',
      'agents/b.test.ts': '/** @guarantee 2 b proves atomicity */\n',
    });
    const guarantees = collectGuarantees(root, TABLE);
    expect(guarantees[0]!.proofs.map((p) => p.file)).toEqual(['test/a.test.ts']);
    expect(guarantees[1]!.proofs).toEqual([{ file: 'agents/b.test.ts', shows: 'b proves atomicity' }]);
    const text = renderGuarantees(guarantees);
    expect(text).toContain('**2. Atomic.** p2');
    expect(text).toContain('- [`agents/b.test.ts`](agents/b.test.ts): b proves atomicity');
  });

  it('refuses to name a file that does not exist, or a guarantee DESIGN.md does not have', () => {
    expect(() => collectGuarantees(tree({}), TABLE)).toThrow('test/a.test.ts (guarantee 1)');
    const root = tree({ 'test/a.test.ts': '', 'test/c.test.ts': '// @guarantee 9 nothing\n' });
    expect(() => collectGuarantees(root, TABLE)).toThrow('test/c.test.ts (@guarantee 9)');
  });

  it("names only files that exist in this repository's own table", () => {
    const root = path.resolve(import.meta.dirname, '../..');
    expect(collectGuarantees(root).map((g) => g.number)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('the performance section', () => {
  const summary: BenchSummary = {
    machine: {
      cpuModel: 'Test CPU 9000',
      cores: 3,
      ramGiB: 7.5,
      node: 'v24.0.0',
      platform: 'Linux test',
      loadAverage1m: 0.25,
      date: '2026-01-02T03:04:05.000Z',
    },
    startedAt: '2026-01-02T03:04:05.000Z',
    durationSecs: 10,
    flags: ['--quick'],
    benchmarks: [
      {
        name: 'outbox',
        title: 'Outbox',
        mode: 'quick',
        exitCode: 0,
        durationSecs: 5,
        rows: [
          benchRow({
            metric: 'enqueue | FULL',
            ours: { value: 1234, unit: 'records/s' },
            baseline: { label: 'raw', value: 2000, unit: 'records/s' },
            target: { on: 'ratio', op: '>=', value: 0.5 },
          }),
        ],
        tables: [{ title: 'By batch size', columns: ['batch', '1', '10'], rows: [['FULL', '10', '100']] }],
        notes: ['a note'],
      },
      {
        name: 'broken',
        title: 'Broken',
        mode: 'unknown',
        exitCode: 1,
        durationSecs: 1,
        rows: [],
        tables: [],
        notes: [],
        error: 'exited with 1',
      },
    ],
  };

  it('shows each row with ratio and verdict, the machine, the quick mode and failures', () => {
    const text = renderPerformance(summary);
    expect(text).toContain('Test CPU 9000, 3 cores, 7.5 GiB RAM');
    expect(text).toContain('(--quick)');
    expect(text).toContain('outbox ran in quick mode');
    expect(text).toContain(
      '| outbox (quick) | enqueue \\| FULL | 1,234 records/s | 2,000 records/s (raw) | 0.617× | ≥ 0.5× baseline | pass |',
    );
    expect(text).toContain('| broken | Broken |  |  |  |  | ERROR: exited with 1 |');
    expect(text).toContain('- outbox: a note');
    expect(text).toContain(
      'By batch size (bench/outbox):\n\n| batch | 1 | 10 |\n| --- | --- | --- |\n| FULL | 10 | 100 |',
    );
  });

  it('warns when the machine was busier than its cores, and not otherwise', () => {
    expect(renderPerformance(summary)).not.toContain('shared with other jobs');
    const busy = { ...summary, machine: { ...summary.machine, loadAverage1m: 7.5 } };
    expect(renderPerformance(busy)).toContain('shared with other jobs (load 7.5 on 3 cores)');
  });

  it('says there are no results yet instead of an empty table', () => {
    expect(renderPerformance(null)).toContain('No benchmark results yet');
  });

  it('fills both sections of a README and leaves the rest alone', () => {
    const root = tree({ 'test/a.test.ts': '' });
    // The real table names files of this repository; with a temp root only the tag/table check of that root applies.
    expect(() => updateReadme(README, root, summary)).toThrow(/do not exist/);
    const repo = path.resolve(import.meta.dirname, '../..');
    const out = updateReadme(README, repo, summary);
    expect(
      out.startsWith('# Title\nintro\n<!-- BEGIN GENERATED: guarantees -->\n## Guarantees and how we test them'),
    ).toBe(true);
    expect(out).toContain(
      '<!-- END GENERATED: guarantees -->\nbetween\n<!-- BEGIN GENERATED: performance -->\n## Performance',
    );
    expect(out.endsWith('<!-- END GENERATED: performance -->\ntail')).toBe(true);
  });
});
