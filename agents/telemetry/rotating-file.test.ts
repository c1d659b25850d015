/** Log rotation on real files: by size, by age, how many kept, and not one line lost across rotations. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { RotatingFileDestination } from './rotating-file.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tya-rotate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rotation = { maxBytes: 64 * 1024, maxFiles: 3, maxAgeDays: 14, rotateEveryHours: 24 };

function lines(file: string): Array<{ n: number; msg: string }> {
  return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { n: number; msg: string });
}

describe('RotatingFileDestination', () => {
  it('rotates by size, keeps maxFiles, never splits a line, and loses none of the kept ones', () => {
    const file = join(dir, 'logs', 'agent.log');
    const logger = createLogger({ level: 'info', destination: file, rotation });
    const padding = 'x'.repeat(200);
    const total = 1000; // about 300 KB: four rotations past 64 KiB, so agent.log.4 would exist without the cap
    for (let n = 0; n < total; n++) logger.info({ n, padding }, `Line ${n}.`);
    logger.flush();

    const names = readdirSync(join(dir, 'logs')).sort();
    expect(names).toEqual(['agent.log', 'agent.log.1', 'agent.log.2', 'agent.log.3']);
    const files = ['agent.log.3', 'agent.log.2', 'agent.log.1', 'agent.log'].map((name) => join(dir, 'logs', name));
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(rotation.maxBytes);
    // Oldest to newest, the kept lines are one unbroken run ending at the last line written.
    const kept = files.flatMap(lines).map((l) => l.n);
    expect(kept.at(-1)).toBe(total - 1);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => kept[0]! + i));
    // Three full rotated files of ~64 KiB each plus the current one: well over 700 lines kept.
    expect(kept.length).toBeGreaterThan(700);
  });

  it('with room for everything, a count across the rotations finds every line', () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ level: 'info', destination: file, rotation: { ...rotation, maxFiles: 50 } });
    for (let n = 0; n < 2000; n++) logger.info({ n }, 'Counted.');
    const names = readdirSync(dir).filter((name) => name.startsWith('agent.log'));
    expect(names.length).toBeGreaterThan(3);
    const all = names.flatMap((name) => lines(join(dir, name))).map((l) => l.n).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('rotates a quiet file once it is rotateEveryHours old, and deletes rotated files past maxAgeDays', () => {
    const file = join(dir, 'agent.log');
    const stale = join(dir, 'agent.log.2');
    writeFileSync(stale, '{"msg":"from three weeks ago"}\n');
    let now = Date.parse('2026-12-05T08:00:00Z');
    const threeWeeksAgo = new Date(now - 21 * 86_400_000);
    utimesSync(stale, threeWeeksAgo, threeWeeksAgo);
    const destination = new RotatingFileDestination(file, rotation, () => now);
    expect(readdirSync(dir)).toEqual(['agent.log']); // the expired file went at start
    destination.write('{"msg":"morning"}\n');
    now += 23 * 3_600_000;
    destination.write('{"msg":"evening"}\n');
    expect(readdirSync(dir)).toEqual(['agent.log']);
    now += 2 * 3_600_000;
    destination.write('{"msg":"next day"}\n');
    destination.flushSync();
    expect(readdirSync(dir).sort()).toEqual(['agent.log', 'agent.log.1']);
    expect(readFileSync(join(dir, 'agent.log.1'), 'utf8')).toBe('{"msg":"morning"}\n{"msg":"evening"}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"msg":"next day"}\n');
  });

  it('a rotation that fails never fails the write: the file grows, says why, and rotation is tried again a minute later', () => {
    const file = join(dir, 'agent.log');
    // agent.log.1 is a non-empty folder: deleting it (maxFiles 1) fails as a held file would on Windows.
    mkdirSync(join(dir, 'agent.log.1'));
    writeFileSync(join(dir, 'agent.log.1', 'held'), 'x');
    let now = Date.parse('2026-12-05T08:00:00Z');
    const destination = new RotatingFileDestination(file, { ...rotation, maxBytes: 100, maxFiles: 1 }, () => now);
    const line = (n: number) => `{"n":${n},"msg":"${'y'.repeat(40)}"}\n`;
    for (let n = 0; n < 5; n++) expect(() => destination.write(line(n))).not.toThrow();
    destination.flushSync();
    const grown = lines(file);
    expect(grown.filter((l) => l.n !== undefined).map((l) => l.n)).toEqual([0, 1, 2, 3, 4]);
    expect(grown.filter((l) => l.msg.startsWith('Could not rotate the log file'))).toHaveLength(1);

    rmSync(join(dir, 'agent.log.1'), { recursive: true });
    destination.write(line(5)); // within the minute: no new attempt
    expect(existsSync(join(dir, 'agent.log.1'))).toBe(false);
    now += 60_000;
    destination.write(line(6));
    destination.flushSync();
    expect(lines(join(dir, 'agent.log.1')).filter((l) => l.n !== undefined).map((l) => l.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines(file).map((l) => l.n)).toEqual([6]);
  });
});

